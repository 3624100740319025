// Which stream speaks for which cluster: at most one per cluster. A newer stream for a cluster
// replaces the older one (the agent reconnected, possibly before the cell noticed the old TCP
// connection died); the caller then closes the old one, whose cleanup must not undo the new one's
// state — hence unbind() only removes a session that is still current.

/** What the registry needs of a session. */
export interface Bound {
  readonly id: string;
  readonly cluster: string;
}

/** cluster → its current session. */
export class SessionRegistry<S extends Bound> {
  private readonly byCluster = new Map<string, S>();

  /** Make `s` its cluster's session; returns the one it replaced, if any. */
  bind(s: S): S | undefined {
    const old = this.byCluster.get(s.cluster);
    this.byCluster.set(s.cluster, s);
    return old === s ? undefined : old;
  }

  /** Remove `s` if it is still current; true if it was. */
  unbind(s: S): boolean {
    if (this.byCluster.get(s.cluster) !== s) return false;
    this.byCluster.delete(s.cluster);
    return true;
  }

  isCurrent(s: S): boolean {
    return this.byCluster.get(s.cluster) === s;
  }

  get(cluster: string): S | undefined {
    return this.byCluster.get(cluster);
  }

  get size(): number {
    return this.byCluster.size;
  }

  sessions(): IterableIterator<S> {
    return this.byCluster.values();
  }
}
