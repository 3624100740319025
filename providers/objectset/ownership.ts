// Whose object is it? Pure decisions, per object, that every Lattice provider applies and deletes
// through (./apply.ts does the I/O). The rules:
//   - Lattice's own: its field manager owns fields of it (server-side apply records every writer in
//     metadata.managedFields). Such an object is applied with force, so a field someone changed by
//     hand is won back.
//   - Foreign: it exists and that field manager does not own it (made by kubectl, by another tool,
//     or by another Lattice stack using the same name). It is never taken silently: applying it is
//     an error naming the object and its managers, unless the document opts in to adopting it
//     (metadata.annotations["lattice.dev/adopt"]: "true").
//   - Absent: created by an apply without force, so one created meanwhile by someone else with
//     other values is a conflict, not a takeover.
//   - A Namespace is a container, not a takeover target: an existing one is joined (Lattice adds its
//     labels without force, and never deletes it). One Lattice creates carries CREATED_ANNOTATION
//     (written by CREATOR_MANAGER, which nothing else uses), and only such a namespace is ever
//     deleted, and only when it holds nothing else (./contents.ts).
//   - Deletes carry the UID Lattice recorded when it applied the object: an object of the same name
//     re-created since (a different UID) is left in place, with a warning.
//   - Workload names (applied by @pulumi/kubernetes, which takes over an existing object whose values
//     agree) are checked before it runs (workloadRefusal).
import type { KubeObject } from "../../core/k8s/object";
import { LABELS, MANAGED_BY } from "../../core/compile/identity";
import { managersOf } from "./fields";

/** On a Namespace Lattice created (as opposed to one it joined): the only kind it may delete. */
export const CREATED_ANNOTATION = "lattice.dev/created";
/** The field manager that writes CREATED_ANNOTATION, once, when Lattice creates a namespace. */
export const CREATOR_MANAGER = "lattice.creator";

/** Field managers Lattice's providers use: "lattice", "lattice.<purpose>…" (and "lattice-…" in tests). */
export function isLatticeManager(manager: string): boolean {
  return manager === "lattice" || manager.startsWith("lattice.") || manager.startsWith("lattice-");
}

/** How an existing object relates to a field manager. */
export type Ownership =
  { state: "absent" } | { state: "ours" } | { state: "foreign"; managers: string[]; latticeLabelled: boolean };

/** The key of an object in messages: "Kind/namespace/name". */
export function describeObject(o: Pick<KubeObject, "kind" | "metadata">): string {
  return o.metadata.namespace ? `${o.kind}/${o.metadata.namespace}/${o.metadata.name}` : `${o.kind}/${o.metadata.name}`;
}

/** The object's UID, when it has one. */
export function uidOf(live: KubeObject | undefined): string | undefined {
  return (live?.metadata as { uid?: string } | undefined)?.uid;
}

/** Whether `fieldManager` owns the live object (see the rules above). */
export function ownershipOf(live: KubeObject | undefined, fieldManager: string): Ownership {
  if (!live) return { state: "absent" };
  const managers = managersOf(live);
  if (managers.includes(fieldManager)) return { state: "ours" };
  return { state: "foreign", managers, latticeLabelled: live.metadata.labels?.[LABELS.managedBy] === MANAGED_BY };
}

/** True for a Namespace Lattice created (not one it joined). */
export function createdByLattice(live: KubeObject | undefined): boolean {
  return (
    live?.kind === "Namespace" &&
    live.metadata.annotations?.[CREATED_ANNOTATION] === "true" &&
    managersOf(live).includes(CREATOR_MANAGER)
  );
}

/** What an apply of one object does. */
export type ApplyPlan =
  | { action: "create"; force: false }
  | { action: "apply"; force: true }
  | { action: "adopt"; force: true; note: string }
  | { action: "join"; force: false; note: string }
  | { action: "refuse"; error: string };

function whoManages(o: Extract<Ownership, { state: "foreign" }>): string {
  const list = o.managers.length ? o.managers.join(", ") : "no field manager on record";
  return o.latticeLabelled
    ? `labelled as Lattice's but managed by ${list}, not by this resource (another stack or service of the same name?)`
    : `managed by ${list}`;
}

/**
 * The apply of `desired` given the live object and the document's adopt opt-in. `shared`: several
 * Lattice sets apply this object (a namespace baseline): one only other Lattice sets hold is joined.
 */
export function planApply(
  desired: KubeObject,
  live: KubeObject | undefined,
  fieldManager: string,
  adopt: boolean,
  shared = false,
): ApplyPlan {
  const o = ownershipOf(live, fieldManager);
  if (o.state === "absent") return { action: "create", force: false };
  if (o.state === "ours") return { action: "apply", force: true };
  const what = describeObject(desired);
  if (adopt) return { action: "adopt", force: true, note: `adopting ${what} (${whoManages(o)}), as the document asks` };
  if (desired.kind === "Namespace")
    return {
      action: "join",
      force: false,
      note: `joining ${what}, which Lattice did not create (${whoManages(o)}): its labels are added; it is never deleted`,
    };
  if (shared && o.latticeLabelled && o.managers.length > 0 && o.managers.every(isLatticeManager))
    return { action: "join", force: false, note: `sharing ${what} with ${o.managers.join(", ")}` };
  return {
    action: "refuse",
    error:
      `${what} already exists and Lattice did not create it (${whoManages(o)}). Lattice does not take over ` +
      `objects silently: rename or remove it, or adopt it by setting metadata.annotations["lattice.dev/adopt"]: "true" ` +
      `on the Lattice document (or adopt: true on the component)`,
  };
}

/**
 * A workload object (ServiceAccount, Deployment, Service, claim) is applied by @pulumi/kubernetes,
 * which takes an existing object of the same name over when its values agree. So before it runs,
 * the service's membership checks each name: one that exists and was not created for Lattice (its
 * ownership label, applied by a pulumi-kubernetes field manager) is refused unless adopted. Returns
 * the refusal, or undefined.
 */
export function workloadRefusal(
  ref: { kind: string; name: string; namespace?: string },
  live: KubeObject | undefined,
  adopt: boolean,
): string | undefined {
  if (!live || adopt) return undefined;
  const managers = managersOf(live);
  const labelled = live.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
  if (labelled && managers.some((m) => m.startsWith("pulumi-kubernetes"))) return undefined;
  const what = describeObject({
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });
  return (
    `${what} already exists and Lattice did not create it (managed by ${managers.join(", ") || "no field manager on record"}). ` +
    `Lattice does not take over objects silently: rename or remove it, or adopt it by setting ` +
    `metadata.annotations["lattice.dev/adopt"]: "true" on the Lattice document (or adopt: true on the component)`
  );
}

/** What removing one object does. */
export type RemovePlan =
  | { action: "none"; warning?: string }
  | { action: "delete"; uid: string }
  /** Deleted only if it holds nothing else (a Namespace Lattice created); else released. */
  | { action: "delete-if-empty"; uid: string }
  /** Lattice's fields are dropped; the object stays with its other owners. */
  | { action: "release"; warning?: string };

/**
 * Removing `live` from a set with `fieldManager`. `recordedUid` is the UID Lattice recorded when it
 * applied the object (absent for state written before UIDs were recorded). `shared`: several sets
 * apply it (a namespace baseline), so a re-created one another Lattice member applied since is
 * still Lattice's, and one another Lattice set also applies is released rather than deleted.
 */
export function planRemove(
  live: KubeObject | undefined,
  fieldManager: string,
  recordedUid: string | undefined,
  shared: boolean,
): RemovePlan {
  if (!live) return { action: "none" };
  const what = describeObject(live);
  const o = ownershipOf(live, fieldManager);
  const uid = uidOf(live) ?? "";
  if (o.state !== "ours")
    return {
      action: "none",
      warning: `${what} is no longer managed by this Lattice resource (${o.state === "foreign" ? whoManages(o) : ""}): left in place`,
    };
  if (recordedUid && uid !== recordedUid) {
    const latticeLabelled = live.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
    if (!(shared && latticeLabelled))
      return {
        action: "none",
        warning: `${what} was re-created since Lattice applied it (UID ${uid}, Lattice recorded ${recordedUid}): left in place`,
      };
  }
  const otherSets = managersOf(live).filter((m) => m !== fieldManager && m !== CREATOR_MANAGER && isLatticeManager(m));
  if (live.kind === "Namespace") {
    if (!createdByLattice(live))
      return {
        action: "release",
        warning: `${what} was not created by Lattice: its Lattice labels are removed, it stays`,
      };
    return { action: "delete-if-empty", uid };
  }
  if (shared && otherSets.length) return { action: "release" };
  return { action: "delete", uid };
}
