// Deleting what a LatticeCluster left in the parent, found by name or by label, only when it is
// Lattice's (issue 18): the object must carry the ownership labels Lattice writes on it. One of the
// expected name without them — someone else's Secret that happens to be called
// <cluster>-lattice-bootstrap, a Secret a person labelled agent.lattice.dev/cluster=<cluster> — is
// left alone, with a warning naming it. Deletes carry the UID that was checked, so an object
// re-created meanwhile is not deleted either.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject, ObjectRef } from "../../core/k8s/object";
import { CLUSTER_LABEL } from "../../core/cluster/names";
import { LABELS, MANAGED_BY } from "../../core/compile/identity";

/** Labels an object must carry, every one with this value, to be Lattice's. */
export type OwnershipLabels = Readonly<Record<string, string>>;

/**
 * The labels that make an object in the cluster's namespace a LatticeCluster's: every compiled
 * object carries them (core/cluster/names.ts clusterOwnershipLabels), and so does the bootstrap Secret.
 */
export const latticeClusterLabels = (cluster: string): OwnershipLabels => ({
  [LABELS.managedBy]: MANAGED_BY,
  [CLUSTER_LABEL]: cluster,
});

/** Why `live` is not Lattice's (the labels it lacks), or undefined when it is. */
export function notOurs(live: Pick<KubeObject, "metadata">, expected: OwnershipLabels): string | undefined {
  const labels = live.metadata.labels ?? {};
  const missing = Object.entries(expected).filter(([k, v]) => labels[k] !== v);
  if (!missing.length) return undefined;
  return `it lacks Lattice's ownership label${missing.length > 1 ? "s" : ""} ${missing.map(([k, v]) => `${k}=${v}`).join(", ")}`;
}

/** "Kind namespace/name". */
export function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** What deleteIfOurs did. */
export type Teardown = "deleted" | "absent" | "foreign";

/**
 * Delete the object at `ref` if it carries `expected` (with its UID as a precondition); otherwise
 * leave it and call `warn` with a line naming it. `opts.propagationPolicy` as for a delete.
 */
export async function deleteIfOurs(
  c: KubeClient,
  ref: ObjectRef,
  expected: OwnershipLabels,
  warn: (line: string) => void,
  opts: { propagationPolicy?: "Foreground" | "Background" } = {},
): Promise<Teardown> {
  const live = await c.getOrUndefined(ref);
  if (!live) return "absent";
  const why = notOurs(live, expected);
  if (why) {
    warn(`warning: ${describe(ref)} is left in place: ${why}, so it is not Lattice's to delete`);
    return "foreign";
  }
  const uid = (live.metadata as { uid?: string }).uid;
  try {
    return (await c.delete(ref, { ...opts, ...(uid ? { uid } : {}) })) ? "deleted" : "absent";
  } catch (e) {
    // 409: the UID precondition failed — a new object of the name since the check; not ours to take.
    if (e instanceof KubeError && e.status === 409) {
      warn(`warning: ${describe(ref)} was re-created while Lattice deleted it; the new one is left in place`);
      return "foreign";
    }
    throw e;
  }
}

/** Delete every object `list` finds that carries `expected`; warn about the others. */
export async function deleteListedIfOurs(
  c: KubeClient,
  found: readonly KubeObject[],
  expected: OwnershipLabels,
  warn: (line: string) => void,
): Promise<void> {
  for (const o of found)
    await deleteIfOurs(
      c,
      { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name },
      expected,
      warn,
    );
}
