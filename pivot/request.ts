// Asking the cell to pivot a cluster over its link (the LatticeCluster provider, tests): a ClusterPivot
// journal with the deterministic name "<namespace>.<cluster>" and no status. The cell's pivot
// controller (./controller.ts) fills in the child's API identity and runs it; asking again returns
// the same journal, so a `pulumi up` killed mid-pivot resumes it instead of starting another. It
// also binds the cell's pivot role (agent/deploy/cell.ts) in the cluster's namespace only.
import { journalName, type PivotSpec } from "../core/pivot/journal";
import { CELL_NAME, CELL_PIVOT_ROLE } from "../agent/deploy/cell";
import { KubeError, type KubeClient } from "../kube/client";
import { newPivotId, JournalStore, type StoredJournal } from "./journal-store";
import { apiIdentity } from "./read";

export interface PivotRequest {
  /** The cluster's Cluster API namespace (the same in the child). */
  readonly namespace: string;
  /** The Cluster API Cluster's name. */
  readonly cluster: string;
  /** The link's cluster name (the agent's identity). */
  readonly link: string;
}

/** The journal of the request, created when absent (idempotent by name). */
export async function requestLinkPivot(
  kube: KubeClient,
  cellNamespace: string,
  r: PivotRequest,
): Promise<StoredJournal> {
  const store = new JournalStore(kube, cellNamespace);
  const name = journalName(r.namespace, r.cluster);
  const existing = await store.get(name);
  if (existing) return existing;
  const spec: PivotSpec = {
    namespace: r.namespace,
    cluster: r.cluster,
    pivotId: newPivotId(),
    source: { apiIdentity: await apiIdentity(kube) },
    // The child's identity is unknown here (nothing connects to it): the cell asks its agent.
    target: { mode: "link", apiIdentity: "", link: r.link },
  };
  await store.ensure();
  await bindCellPivotRole(kube, cellNamespace, r.namespace);
  return (await store.create(name, spec)) ?? (await store.get(name))!;
}

/** Let the cell's ServiceAccount move this namespace's Cluster API objects (and nothing elsewhere). */
export async function bindCellPivotRole(kube: KubeClient, cellNamespace: string, namespace: string): Promise<void> {
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: {
      name: `${CELL_PIVOT_ROLE}-${cellNamespace}`.slice(0, 253),
      namespace,
      labels: { "app.kubernetes.io/managed-by": "lattice" },
    },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CELL_PIVOT_ROLE },
    subjects: [{ kind: "ServiceAccount", name: CELL_NAME, namespace: cellNamespace }],
  };
  await kube.create(binding).catch((e: unknown) => {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
  });
}
