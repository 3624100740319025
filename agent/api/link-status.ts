// A cluster's link as the parent sees it: the ClusterLink status the cell writes, checked against
// the liveness of the cell that wrote it (its Lease). A cell that crashed cannot report its streams
// gone, so "connected" is believed only while that cell's Lease is fresh.
import type { KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import {
  DEFAULT_NAMESPACE,
  LINK_API_VERSION,
  cellLeaseName,
  type ClusterLink,
  type ClusterLinkStatus,
  type LinkHealth,
} from "./types";

/** Why a link is (not) connected. */
export type LinkState = "connected" | "never-connected" | "disconnected" | "cell-lost";

/** The link of one cluster. */
export interface LinkStatus {
  cluster: string;
  /** A live cell holds a stream from the cluster's agent now. */
  connected: boolean;
  state: LinkState;
  lastHeartbeatTime?: Date;
  connectedTime?: Date;
  agentVersion?: string;
  kubernetesVersion?: string;
  protocolVersion?: number;
  fipsMode?: boolean;
  health?: LinkHealth;
  /** The status as the cell wrote it. */
  reported?: ClusterLinkStatus;
}

interface LeaseObject extends KubeObject {
  spec?: { renewTime?: string; leaseDurationSeconds?: number };
}

/** The cluster's link status; state "never-connected" when the parent has no record of it. */
export async function readLinkStatus(
  kube: KubeClient,
  cluster: string,
  opts: { namespace?: string; now?: number } = {},
): Promise<LinkStatus> {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const now = opts.now ?? Date.now();
  const link = await kube.getOrUndefined<ClusterLink>({
    apiVersion: LINK_API_VERSION,
    kind: "ClusterLink",
    namespace,
    name: cluster,
  });
  const s = link?.status;
  if (!s || (!s.connected && !s.connectedTime))
    return { cluster, connected: false, state: "never-connected", ...(s ? { reported: s } : {}) };
  let state: LinkState = s.connected ? "connected" : "disconnected";
  if (s.connected) {
    const lease = s.cell
      ? await kube.getOrUndefined<LeaseObject>({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          namespace,
          name: cellLeaseName(s.cell),
        })
      : undefined;
    const renewed = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
    const fresh = renewed + (lease?.spec?.leaseDurationSeconds ?? 0) * 1000 > now;
    if (!fresh) state = "cell-lost";
  }
  const date = (v?: string) => (v ? { v: new Date(v) } : undefined);
  return {
    cluster,
    connected: state === "connected",
    state,
    ...(date(s.lastHeartbeatTime) ? { lastHeartbeatTime: date(s.lastHeartbeatTime)!.v } : {}),
    ...(date(s.connectedTime) ? { connectedTime: date(s.connectedTime)!.v } : {}),
    ...(s.agentVersion !== undefined ? { agentVersion: s.agentVersion } : {}),
    ...(s.kubernetesVersion !== undefined ? { kubernetesVersion: s.kubernetesVersion } : {}),
    ...(s.protocolVersion !== undefined ? { protocolVersion: s.protocolVersion } : {}),
    ...(s.fipsMode !== undefined ? { fipsMode: s.fipsMode } : {}),
    ...(s.health ? { health: s.health } : {}),
    reported: s,
  };
}
