// What the agent reports about its cluster: the API server's version and readiness, nodes ready of
// total, and (once Cluster API runs in the child, after a pivot) how many Machines are in each phase.
// Read-only, through the agent's own (read) RBAC.
import { isNotFound, KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { Health } from "../protocol/load";

interface NodeObject extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}
interface MachineObject extends KubeObject {
  status?: { phase?: string };
}

const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** gitVersion of the cluster's API server, e.g. "v1.35.0". */
export async function kubernetesVersion(kube: KubeClient): Promise<string> {
  return (await kube.request<{ gitVersion?: string }>("GET", "/version")).gitVersion ?? "";
}

/** The cluster's health now. */
export async function collectHealth(kube: KubeClient): Promise<Health> {
  const [nodes, apiReady, machinePhases] = await Promise.all([
    kube.list<NodeObject>("v1", "Node"),
    kube.request("GET", "/readyz").then(
      () => true,
      () => false,
    ),
    machinePhaseCounts(kube),
  ]);
  const ready = (n: NodeObject) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  const controlPlane = nodes.filter((n) => n.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined);
  return {
    nodesReady: nodes.filter(ready).length,
    nodesTotal: nodes.length,
    // With no control-plane-labelled nodes (a hosted control plane) readiness is the API's own.
    controlPlaneReady: apiReady && (controlPlane.length === 0 || controlPlane.some(ready)),
    machinePhases,
    observedUnixMs: Date.now(),
  };
}

/** Machine phase → count; empty when Cluster API is not installed in the child. */
async function machinePhaseCounts(kube: KubeClient): Promise<Record<string, number>> {
  for (const apiVersion of ["cluster.x-k8s.io/v1beta2", "cluster.x-k8s.io/v1beta1"]) {
    try {
      const counts: Record<string, number> = {};
      for (const m of await kube.list<MachineObject>(apiVersion, "Machine")) {
        const phase = m.status?.phase || "Unknown";
        counts[phase] = (counts[phase] ?? 0) + 1;
      }
      return counts;
    } catch (e) {
      if (isNotFound(e) || (e instanceof KubeError && e.status === 403)) continue;
      throw e;
    }
  }
  return {};
}
