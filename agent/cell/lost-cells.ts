// The leader's sweep for cells that died without saying so (kill -9, a lost node). Their clusters'
// ClusterLinks still say connected, naming the dead cell; readers already treat them as lost (the
// cell's Lease is stale, api/link-status.ts), and most agents are back on another replica within
// seconds, which rewrites the status. What is left after a grace period — agents that did not
// come back — is marked disconnected here, so the object itself says so; and Leases of cells gone
// for a while are deleted, so they do not pile up with every restart.
import type { KubeClient } from "../../kube/client";
import { KubeError } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { Logger } from "../log";
import { CELL_FIELD_MANAGER, LINK_API_VERSION, MANAGED_BY, MANAGED_BY_LABEL, type ClusterLink } from "../api/types";
import { LEADER_LEASE_NAME } from "./leader";
import { recordOf, type ClusterLinkIndex } from "./links";

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

export interface LostCellOptions {
  /** Wait this long after a cell's Lease expired before marking its clusters (they may come back). */
  graceMs: number;
  /** Delete a cell's Lease this long after it expired. */
  leaseRetentionMs: number;
  /** Most status writes per sweep (the sweep runs again). */
  maxWrites: number;
  /** Clusters this replica holds a stream for: their own status write is on its way, not lost. */
  holds?: (cluster: string) => boolean;
  log: Logger;
  now?: () => number;
}

/** One sweep; returns how many ClusterLinks it marked disconnected. */
export async function sweepLostCells(
  kube: KubeClient,
  namespace: string,
  index: Pick<ClusterLinkIndex, "entries" | "observe">,
  self: string,
  o: LostCellOptions,
): Promise<number> {
  const now = (o.now ?? Date.now)();
  const leases = await kube.list<LeaseObject>("coordination.k8s.io/v1", "Lease", {
    namespace,
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
  });
  const expiredAt = new Map<string, number>();
  for (const l of leases) {
    if (l.metadata.name === LEADER_LEASE_NAME || !l.spec?.holderIdentity) continue;
    const renewed = l.spec.renewTime ? Date.parse(l.spec.renewTime) : 0;
    expiredAt.set(l.spec.holderIdentity, renewed + (l.spec.leaseDurationSeconds ?? 0) * 1000);
  }
  const gone = (cell: string) => cell !== self && (expiredAt.get(cell) ?? 0) + o.graceMs < now;
  let marked = 0;
  for (const [cluster, rec] of [...index.entries()]) {
    if (marked >= o.maxWrites) break;
    const h = rec.holder;
    if (!h?.connected || !gone(h.cell) || o.holds?.(cluster)) continue;
    try {
      const path = await kube.pathOf(LINK_API_VERSION, "ClusterLink", namespace, cluster);
      const live = await kube.request<ClusterLink>(
        "PATCH",
        `${path}/status?fieldManager=${CELL_FIELD_MANAGER}`,
        {
          metadata: { resourceVersion: rec.resourceVersion },
          status: { connected: false, disconnectedTime: new Date(now).toISOString() },
        },
        "application/merge-patch+json",
      );
      index.observe(cluster, recordOf(live));
      marked++;
    } catch (e) {
      // 409: someone (the agent's new cell) wrote meanwhile — theirs is the truth. 404: deleted.
      if (!(e instanceof KubeError && (e.status === 409 || e.status === 404))) throw e;
    }
  }
  if (marked) o.log.info("clusters of lost cells marked disconnected", { count: marked });
  for (const l of leases) {
    const cell = l.spec?.holderIdentity;
    if (!cell || l.metadata.name === LEADER_LEASE_NAME || cell === self) continue;
    if ((expiredAt.get(cell) ?? 0) + o.leaseRetentionMs < now)
      await kube
        .delete({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace, name: l.metadata.name })
        .catch(() => undefined);
  }
  return marked;
}
