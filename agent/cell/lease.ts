// A running cell's liveness: Lease lattice-cell-<instance> in the cell's namespace, renewed every
// renewMs. ClusterLink status names the cell holding each stream; a reader trusts "connected" only
// while that cell's Lease is fresh (api/link-status.ts). One write per renewal for the whole cell
// instead of one per cluster heartbeat. A clean shutdown deletes the Lease: its clusters read as
// disconnected at once; a crash leaves it to expire.
import type { KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import { CELL_FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL, cellLeaseName } from "../api/types";

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Keeps one cell's Lease fresh. */
export class CellLease {
  private timer?: NodeJS.Timeout;
  private readonly acquiredMs = Date.now();

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    readonly instance: string,
    private readonly opts: { renewMs: number; log: Logger },
  ) {}

  /** Seconds after the last renewal at which readers consider the cell gone. */
  get durationSeconds(): number {
    return Math.ceil((this.opts.renewMs * 3) / 1000);
  }

  /** Write the Lease now, then keep renewing it. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((e: unknown) => this.opts.log.warn("could not renew the cell lease", { error: e as Error }));
    }, this.opts.renewMs);
    this.timer.unref();
  }

  /** Stop renewing; with release, delete the Lease so readers see this cell gone at once. */
  async stop(release: boolean): Promise<void> {
    clearInterval(this.timer);
    if (release) {
      await this.kube
        .delete({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          namespace: this.namespace,
          name: cellLeaseName(this.instance),
        })
        .catch((e: unknown) => this.opts.log.warn("could not delete the cell lease", { error: e as Error }));
    }
  }

  private async renew(): Promise<void> {
    await this.kube.apply(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: cellLeaseName(this.instance),
          namespace: this.namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        },
        spec: {
          holderIdentity: this.instance,
          leaseDurationSeconds: this.durationSeconds,
          acquireTime: microTime(this.acquiredMs),
          renewTime: microTime(Date.now()),
        },
      },
      { fieldManager: CELL_FIELD_MANAGER },
    );
  }
}
