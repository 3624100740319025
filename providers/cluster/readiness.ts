// Is a provisioned cluster ready, and if not, what is it waiting for? A pure reading of the objects
// Cluster API and the link write (table-tested in ./readiness.test.ts on states recorded from the real
// CAPI core controllers with the machine simulator, from apply to deletion):
//   - the Cluster: phase Provisioned, infrastructure provisioned, control plane initialized;
//   - its Machines: every desired machine (control plane + workers) Running with a node;
//   - its link: the agent connected to the parent's cell.
import type { KubeObject } from "../../core/k8s/object";

/** The objects one look at a cluster returns. */
export interface ClusterObservation {
  cluster?: KubeObject;
  machines: readonly KubeObject[];
  /** The link's state as readLinkStatus reports it ("connected", "never-connected", …). */
  link?: string;
}

/** How many machines the spec asks for. */
export interface Desired {
  controlPlane: number;
  workers: number;
}

export interface Readiness {
  ready: boolean;
  phase: string;
  machinesReady: number;
  machinesTotal: number;
  controlPlaneEndpoint?: string;
  /** What is missing, in words, in the order a cluster gets there. Empty when ready. */
  waitingFor: string[];
  /** One line for progress logs. */
  summary: string;
}

type Status = {
  phase?: string;
  initialization?: { infrastructureProvisioned?: boolean; controlPlaneInitialized?: boolean };
  nodeRef?: { name?: string };
};
const statusOf = (o: KubeObject | undefined): Status => (o as { status?: Status } | undefined)?.status ?? {};

/**
 * Read the observation against what is desired. A root cluster (`root`, installed from a bootstrap
 * that goes away) has no parent link, so no agent is awaited.
 */
export function readiness(o: ClusterObservation, desired: Desired, root = false): Readiness {
  const s = statusOf(o.cluster);
  const phase = o.cluster ? (s.phase ?? "Pending") : "Absent";
  const endpoint = (o.cluster as { spec?: { controlPlaneEndpoint?: { host?: string; port?: number } } } | undefined)
    ?.spec?.controlPlaneEndpoint;
  const live = o.machines.filter((m) => !(m.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  const running = live.filter((m) => statusOf(m).phase === "Running" && statusOf(m).nodeRef?.name);
  const total = desired.controlPlane + desired.workers;
  const waitingFor: string[] = [];
  if (!o.cluster) waitingFor.push("the Cluster object");
  else {
    if (!s.initialization?.infrastructureProvisioned) waitingFor.push("infrastructure provisioned");
    if (!s.initialization?.controlPlaneInitialized) waitingFor.push("control plane initialized");
    if (phase !== "Provisioned") waitingFor.push(`phase Provisioned (now ${phase})`);
  }
  if (running.length < total || live.length !== total) waitingFor.push(`machines ready ${running.length}/${total}`);
  if (!root && o.link !== "connected") waitingFor.push(`agent connected (link ${o.link ?? "unknown"})`);
  return {
    ready: waitingFor.length === 0,
    phase,
    machinesReady: running.length,
    machinesTotal: total,
    ...(endpoint?.host ? { controlPlaneEndpoint: `${endpoint.host}:${endpoint.port ?? 6443}` } : {}),
    waitingFor,
    summary: `phase ${phase}, machines ${running.length}/${total} ready${root ? "" : `, agent ${o.link ?? "unknown"}`}`,
  };
}
