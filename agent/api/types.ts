// What the link stores in the parent cluster, and the names it uses. Everything lives in the cell's
// namespace (default lattice-system):
//   Secret     lattice-cell-ca              the CA (tls.crt, tls.key)            — pki/store.ts
//   Secret     lattice-bt-<hash prefix>     one bootstrap token, hashed          — tokens/store.ts
//   ConfigMap  lattice-cell                 how to reach the cell (addresses, CA) — cell/endpoint.ts
//   Lease      lattice-cell-<instance>      a running cell's liveness            — cell/lease.ts
//   ClusterLink <cluster>                  per-cluster link status              — cell/status.ts
//   AgentCommand <any name>                a command for one cluster's agent    — api/commands.ts
// The two kinds are CRDs in agent/deploy/crds/ (group agent.lattice.dev, version v1alpha1).
import type { KubeObject } from "../../core/k8s/object";
import type { PivotCommandSpec } from "./pivot-wire";

/** The API group and version of the link's CRDs. */
export const LINK_GROUP = "agent.lattice.dev";
export const LINK_API_VERSION = `${LINK_GROUP}/v1alpha1`;

/** The cell's namespace when nobody says otherwise. */
export const DEFAULT_NAMESPACE = "lattice-system";

/** Label on AgentCommands, token Secrets and ClusterLinks: the cluster they concern. */
export const CLUSTER_LABEL = `${LINK_GROUP}/cluster`;
/** Label on everything the link creates in the parent. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "lattice-cell";

/** Cluster API's label naming the cluster a Secret belongs to (the agent imports only those). */
export const CAPI_CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";

/** Field managers, so managedFields say who wrote what. */
export const CELL_FIELD_MANAGER = "lattice-cell";
export const QUEUE_FIELD_MANAGER = "lattice-queue";

/** Names of the singleton objects in the cell's namespace. */
export const CA_SECRET_NAME = "lattice-cell-ca";
export const ENDPOINT_CONFIGMAP_NAME = "lattice-cell";
export const cellLeaseName = (instance: string): string => `lattice-cell-${instance}`;

// ---------------------------------------------------------------------------------------------
// AgentCommand

/** A command's kind-specific body: exactly one of apply, import, reportStatus. */
export interface AgentCommandSpec {
  /** The cluster whose agent executes the command. Immutable. */
  cluster: string;
  /** Server-side apply of these objects in the child (bounded; see agent/child/policy.ts). */
  apply?: { objects: KubeObject[] };
  /**
   * Create-if-absent of these objects in the child (a pivot). Secrets are referenced, not inlined:
   * the cell reads them from the parent when it sends the command, and only those labelled
   * cluster.x-k8s.io/cluster-name=<cluster>.
   */
  import?: { objects?: KubeObject[]; secretRefs?: { namespace: string; name: string }[] };
  /** Ask the agent for a status report (versions and health). */
  reportStatus?: Record<string, never>;
  /** A step of a pivot into the cluster (./pivot-wire.ts), checked by the cell against its journal. */
  pivot?: PivotCommandSpec;
  /** Delete the command this long after it finished (default 3600; 0 keeps it). */
  ttlSecondsAfterFinished?: number;
}

/** Where a command is: Pending → Delivered → Succeeded | Failed | Rejected. */
export type CommandPhase = "Pending" | "Delivered" | "Succeeded" | "Failed" | "Rejected";

/** True once a command will not change again. */
export const isFinished = (phase: CommandPhase | undefined): boolean =>
  phase === "Succeeded" || phase === "Failed" || phase === "Rejected";

/** One object's fate in an apply or import. */
export interface ObjectOutcome {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: "Created" | "Applied" | "Exists" | "Denied" | "Error";
  message?: string;
}

/** The agent's view, in a reportStatus result and in ClusterLink status. */
export interface LinkHealth {
  nodesReady: number;
  nodesTotal: number;
  controlPlaneReady: boolean;
  machinePhases: Record<string, number>;
  observedTime?: string;
}

/** What the cell writes back. */
export interface AgentCommandStatus {
  phase?: CommandPhase;
  message?: string;
  /** How many times the cell sent it (re-sent after reconnects until a result is recorded). */
  attempts?: number;
  deliveredTime?: string;
  completedTime?: string;
  objects?: ObjectOutcome[];
  report?: { agentVersion: string; kubernetesVersion: string; fipsMode: boolean; health?: LinkHealth };
  /** What a reading pivot step answered (describe, inventory: identities, UIDs, digests). */
  data?: Record<string, unknown>;
}

/** The AgentCommand object. */
export interface AgentCommand extends KubeObject {
  metadata: KubeObject["metadata"] & { uid?: string; resourceVersion?: string; creationTimestamp?: string };
  spec: AgentCommandSpec;
  status?: AgentCommandStatus;
}

// ---------------------------------------------------------------------------------------------
// ClusterLink

/** The link's state for one cluster, written by the cell. */
export interface ClusterLinkStatus {
  /** A cell holds a stream for this cluster (trust it only while that cell's Lease is fresh). */
  connected: boolean;
  /** The cell instance holding (or last holding) the stream; its Lease is lattice-cell-<cell>. */
  cell?: string;
  sessionId?: string;
  connectedTime?: string;
  disconnectedTime?: string;
  /** Refreshed at most every --status-refresh while heartbeats arrive (not per heartbeat). */
  lastHeartbeatTime?: string;
  agentVersion?: string;
  kubernetesVersion?: string;
  protocolVersion?: number;
  fipsMode?: boolean;
  capabilities?: string[];
  health?: LinkHealth;
  /** The client certificate's expiry, as the cell last saw it. */
  certificateNotAfter?: string;
  /** When the cell last signed a renewal for this cluster (renewals are limited per interval). */
  certificateRenewedTime?: string;
}

/** What the parent wants of a cluster's link. */
export interface ClusterLinkSpec {
  cluster: string;
  /**
   * Revocation: every certificate of this cluster valid from before this time (RFC 3339, whole
   * seconds) is refused, its stream cut and its renewals refused. Only a new bootstrap token
   * admits the cluster again (its certificate is valid from this time on). Set by `lattice cell
   * revoke`.
   */
  revokedBefore?: string;
}

/** The ClusterLink object (name = cluster name). */
export interface ClusterLink extends KubeObject {
  metadata: KubeObject["metadata"] & { resourceVersion?: string };
  spec: ClusterLinkSpec;
  status?: ClusterLinkStatus;
}

// ---------------------------------------------------------------------------------------------
// Core objects as the link reads them

/** A Secret with the fields the link uses. */
export interface SecretObject extends KubeObject {
  metadata: KubeObject["metadata"] & { resourceVersion?: string; uid?: string };
  type?: string;
  data?: Record<string, string>;
}
