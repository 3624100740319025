// Leader election among cell replicas, for the few jobs that want one writer (garbage collection of
// finished commands and used tokens, and the sweep of clusters still reported connected to a cell
// that died). Streams, commands and status need no leader: every replica serves the agents that
// reach it (see README "More than one cell").
//
// A Lease lattice-cell-leader in the cell's namespace, taken and renewed with compare-and-swap
// (the resourceVersion read), like client-go's leader election. Expiry is judged by this replica's
// own clock from when it last saw the record change — never by comparing its clock with the
// holder's — so clock skew between replicas cannot make two leaders. A leader that cannot renew
// for a lease duration stops acting as leader before another can take over.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { Logger } from "../log";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../api/types";
import { microTime } from "./lease";

/** The Lease's name. */
export const LEADER_LEASE_NAME = "lattice-cell-leader";

interface LeaseObject extends KubeObject {
  metadata: KubeObject["metadata"] & { resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderOptions {
  /** How long a leader's claim lasts without renewal. */
  leaseDurationMs: number;
  /** How often the leader renews (and others try to take over). */
  retryMs: number;
  log: Logger;
  now?: () => number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
}

/** One replica's candidacy. */
export class LeaderElector {
  private timer?: NodeJS.Timeout;
  private leading = false;
  private lastRenewedMs = 0;
  /** The record as last seen, and when this replica first saw it so (for expiry). */
  private observedVersion = "";
  private observedAtMs = 0;
  private readonly now: () => number;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    readonly identity: string,
    private readonly o: LeaderOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const run = () => {
      void this.attempt().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(run, this.o.retryMs).unref();
      });
    };
    this.timer = setTimeout(run, 0).unref();
  }

  /** Stop; a leader gives the Lease up (another replica takes over at once). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.identity)
        await this.kube.replace({
          ...lease,
          spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(this.now()) },
        });
    } catch (e) {
      this.o.log.debug("could not release the leader lease", { error: e as Error });
    }
  }

  /** One round: acquire or renew. */
  async attempt(): Promise<void> {
    const t = this.now();
    try {
      await this.tryAcquireOrRenew(t);
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409))
        this.o.log.warn("leader election: could not reach the lease", { error: e as Error });
    }
    // Renewal failing for a whole lease duration: another replica may take over now.
    if (this.leading && this.now() - this.lastRenewedMs > this.o.leaseDurationMs) this.setLeading(false);
  }

  private async tryAcquireOrRenew(t: number): Promise<void> {
    const lease = await this.read();
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      renewTime: microTime(t),
    };
    if (!lease) {
      await this.kube.create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: LEADER_LEASE_NAME, namespace: this.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
        spec: { ...spec, acquireTime: microTime(t), leaseTransitions: 0 },
      });
      return this.renewed(t);
    }
    const rv = lease.metadata.resourceVersion ?? "";
    if (rv !== this.observedVersion) {
      this.observedVersion = rv;
      this.observedAtMs = t;
    }
    const holder = lease.spec?.holderIdentity ?? "";
    const mine = holder === this.identity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (!mine && holder !== "" && t < this.observedAtMs + durationMs) {
      if (this.leading) this.setLeading(false);
      return;
    }
    await this.kube.replace({
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        ...(mine ? {} : { acquireTime: microTime(t), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
      },
    });
    this.renewed(t);
  }

  private renewed(t: number): void {
    this.lastRenewedMs = t;
    if (!this.leading) this.setLeading(true);
  }

  private setLeading(on: boolean): void {
    this.leading = on;
    this.o.log.info(on ? "leading: garbage collection and lost-cell sweeps run here" : "no longer leading", {
      identity: this.identity,
    });
    if (on) this.o.onStartedLeading?.();
    else this.o.onStoppedLeading?.();
  }

  private read(): Promise<LeaseObject | undefined> {
    return this.kube.getOrUndefined<LeaseObject>({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: this.namespace,
      name: LEADER_LEASE_NAME,
    });
  }
}
