// What every cell replica knows about every ClusterLink, kept current by a watch: just enough to
//  - admit a stream: the cluster has a ClusterLink, and its certificate is not revoked;
//  - cut a stream within a moment of a revocation (spec.revokedBefore), on whichever replica holds it;
//  - write status safely beside other replicas: the resourceVersion to write against, and who holds
//    the stream according to the parent (cell, session, since when), so a replica never overwrites
//    a newer stream's status with an older one's (status.ts);
//  - let the leader find clusters still reported connected to a cell that is gone (leader.ts).
// About 200 bytes per cluster, not the object: 10,000 clusters cost a cell a few MiB.
import type { KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import { LINK_API_VERSION, type ClusterLink } from "../api/types";
import { Informer } from "./informer";

/** Who holds a cluster's stream, as its ClusterLink status says. */
export interface Holder {
  cell: string;
  sessionId: string;
  connectedMs: number;
  connected: boolean;
}

/** A ClusterLink, reduced. */
export interface LinkRecord {
  resourceVersion: string;
  /** Certificates valid from before this are refused (0: never revoked). */
  revokedBeforeMs: number;
  holder?: Holder;
}

/** Told about changes that need action now. */
export interface LinkEvents {
  /** spec.revokedBefore was set or moved forward. */
  revoked?(cluster: string, revokedBeforeMs: number): void;
  /** The status names a holder (possibly another replica's newer stream). */
  held?(cluster: string, holder: Holder): void;
}

const cellNames = new Map<string, string>();
/** Cell names repeat across thousands of records: keep one string each. */
const intern = (s: string) => {
  let v = cellNames.get(s);
  if (v === undefined) cellNames.set(s, (v = s));
  return v;
};

/** Reduce a ClusterLink to its record. */
export function recordOf(l: ClusterLink): LinkRecord {
  const s = l.status;
  const revoked = l.spec?.revokedBefore ? Date.parse(l.spec.revokedBefore) : 0;
  const rec: LinkRecord = {
    resourceVersion: l.metadata.resourceVersion ?? "",
    revokedBeforeMs: Number.isFinite(revoked) ? revoked : 0,
  };
  if (s?.cell && s.sessionId) {
    const at = s.connectedTime ? Date.parse(s.connectedTime) : 0;
    rec.holder = {
      cell: intern(s.cell),
      sessionId: s.sessionId,
      connectedMs: Number.isFinite(at) ? at : 0,
      connected: s.connected === true,
    };
  }
  return rec;
}

/** ClusterLinks of one namespace, reduced, by cluster name. */
export class ClusterLinkIndex {
  private readonly records = new Map<string, LinkRecord>();
  private readonly informer: Informer<ClusterLink, string>;

  constructor(
    kube: KubeClient,
    namespace: string,
    log: Logger,
    private readonly events: LinkEvents = {},
  ) {
    this.informer = new Informer<ClusterLink, string>(
      kube,
      LINK_API_VERSION,
      "ClusterLink",
      namespace,
      { upsert: (l) => this.observe(l.metadata.name, recordOf(l)), remove: (name) => this.records.delete(name) },
      log,
      (l) => l.metadata.name,
    );
  }

  /** Resolves once every ClusterLink is known (serve streams only after this). */
  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  get(cluster: string): LinkRecord | undefined {
    return this.records.get(cluster);
  }

  get size(): number {
    return this.records.size;
  }

  entries(): IterableIterator<[string, LinkRecord]> {
    return this.records.entries();
  }

  /** Take in an object this cell just wrote or read (ahead of its watch event). */
  observe(cluster: string, rec: LinkRecord): void {
    const before = this.records.get(cluster);
    this.records.set(cluster, rec);
    if (rec.revokedBeforeMs > (before?.revokedBeforeMs ?? 0)) this.events.revoked?.(cluster, rec.revokedBeforeMs);
    const h = rec.holder;
    if (h && (h.sessionId !== before?.holder?.sessionId || h.connected !== before.holder.connected))
      this.events.held?.(cluster, h);
  }
}
