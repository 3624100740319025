// Bringing the cluster to a service set's documents: which objects to apply, in which order, with
// which plan, and what to prune. Each object goes through the one apply/remove path Lattice has
// (../objectset/apply.ts: ownership, adoption, joins, repair, UID-checked deletes); this module only
// decides, for a whole set at once, what to send through it.
//   1. Compile every member (./plan.ts) and read the live objects (one LIST per kind and namespace).
//   2. Plan every object that is missing, drifted, or held by the previous resource model's managers
//      of the same service. A member with an object someone else holds is refused as a whole (its
//      error names the object); the other members go ahead.
//   3. Apply: namespace baselines (the Namespace first), then every member's declaration record,
//      then policies and workloads — each phase concurrently, a bounded number at a time.
import type { KubeObject } from "../../core/k8s/object";
import { keyOf, refOf } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { applyObject, OwnershipError, removeObject, say, type RemoveOutcome } from "../objectset/apply";
import { describeDrift, driftOf, SYSTEM_MANAGERS } from "../objectset/drift";
import { managersOf } from "../objectset/fields";
import { planApply, uidOf, type ApplyPlan } from "../objectset/ownership";
import { LABELS, MANAGED_BY } from "../../core/compile/identity";
import { pool, type LiveIndex } from "./live";
import { baselineOf, compileMember, objectsOfMember, type MemberInputs, type MemberObjects } from "./plan";

/** The field manager of every namespace baseline object (shared by every member of the namespace). */
export const BASELINE_MANAGER = "lattice.baseline";
/** How many requests a set keeps in flight against the API server. */
export const CONCURRENCY = 16;

/** The field manager of a member's objects. */
export function managerOf(ref: string): string {
  const [namespace, name] = ref.split("/");
  return `lattice.service.${namespace}.${name}`;
}

/**
 * The field managers with which the previous resource model held a member's objects: its
 * declarations record and policies (Lattice's own providers), and its workload (@pulumi/kubernetes,
 * one `pulumi-kubernetes-<suffix>` manager per object, on objects labelled as this service's).
 */
export function legacyManagersOf(ref: string, live: KubeObject | undefined): string[] {
  if (!live) return [];
  const [namespace, name] = ref.split("/");
  const own = new Set([`lattice.declarations.${namespace}.${name}`, `lattice.policy.${namespace}.${name}`]);
  const labels = live.metadata.labels ?? {};
  const serviceWorkload = labels[LABELS.managedBy] === MANAGED_BY && labels[LABELS.service] === name;
  return managersOf(live).filter((m) => own.has(m) || (serviceWorkload && m.startsWith("pulumi-kubernetes-")));
}

/** One object to bring in line: what is desired, what is live, and on whose behalf. */
export interface Target {
  key: string;
  desired: KubeObject;
  live: KubeObject | undefined;
  /** The member ("namespace/name") or, for a baseline, "namespace (baseline)". */
  owner: string;
  manager: string;
  adopt: boolean;
  /** A namespace baseline object, which every member of the namespace applies. */
  shared: boolean;
  /** The previous model's managers of this member still on the object (taken over, then released). */
  legacy: string[];
}

/** A target's plan, when it needs an apply at all. */
export interface Planned extends Target {
  plan: ApplyPlan;
}

/** A member compiled, with its targets. */
export interface CompiledMember extends MemberObjects {
  targets: Target[];
}

/** Compile the members and baselines of a set into targets against the live index. */
export function targetsOf(
  members: Readonly<Record<string, MemberInputs>>,
  trustDomain: string,
  live: LiveIndex,
): { members: CompiledMember[]; baselines: Map<string, Target[]> } {
  const compiled: CompiledMember[] = [];
  const baselines = new Map<string, Target[]>();
  const adoptIn = new Map<string, boolean>();
  for (const [ref, m] of Object.entries(members)) {
    const c = compileMember(m.doc, { trustDomain });
    const adopt = c.adopt || !!m.adopt;
    const manager = managerOf(ref);
    const targets = objectsOfMember(c).map((desired) => {
      const key = keyOf(desired);
      const l = live.get(key);
      return { key, desired, live: l, owner: ref, manager, adopt, shared: false, legacy: legacyManagersOf(ref, l) };
    });
    compiled.push({ ...c, adopt, targets });
    adoptIn.set(c.namespace, (adoptIn.get(c.namespace) ?? false) || adopt);
  }
  for (const [ns, adopt] of adoptIn) {
    baselines.set(
      ns,
      baselineOf(ns, { trustDomain }).map((desired) => {
        const key = keyOf(desired);
        return {
          key,
          desired,
          live: live.get(key),
          owner: `${ns} (baseline)`,
          manager: BASELINE_MANAGER,
          adopt,
          shared: true,
          legacy: [],
        };
      }),
    );
  }
  return { members: compiled, baselines };
}

/** Every object of the set that the live index should hold (for reading it). */
export function desiredObjects(members: readonly CompiledMember[], baselines: Map<string, Target[]>): KubeObject[] {
  return [...[...baselines.values()].flat(), ...members.flatMap((m) => m.targets)].map((t) => t.desired);
}

/** Why a target needs applying (empty: it is as desired, and ours). Drift lines are for people. */
export function needsApply(t: Target): string[] {
  if (!t.live) return [`${t.key}: missing from the cluster`];
  const isOurs = (m: string) => m === t.manager;
  const managers = managersOf(t.live);
  if (!managers.includes(t.manager)) {
    if (t.legacy.length) return [`${t.key}: held by the previous resource model (${t.legacy.join(", ")})`];
    if (t.desired.kind === "Namespace" && t.shared) return [`${t.key}: not yet joined`];
    return [`${t.key}: exists but is not Lattice's (managed by ${managers.join(", ") || "nobody on record"})`];
  }
  if (t.legacy.length) return [`${t.key}: still shared with the previous resource model (${t.legacy.join(", ")})`];
  return describeDrift(t.desired, driftOf(t.desired, t.live, isOurs));
}

/**
 * The plan of a target that needs applying. An object the previous resource model held for the
 * same service is taken (applied with force), whoever else the ownership rules would see.
 */
export function planOf(t: Target): ApplyPlan {
  const plan = planApply(t.desired, t.live, t.manager, t.adopt, t.shared);
  if (plan.action !== "refuse" || !t.live || !t.legacy.length) return plan;
  const others = managersOf(t.live).filter((m) => m !== t.manager && !t.legacy.includes(m) && !SYSTEM_MANAGERS.has(m));
  return others.length ? plan : { action: "apply", force: true };
}

/** What a set's apply did. */
export interface ApplyResult {
  /** UIDs of every object of the members that went ahead, by member and key. */
  uids: Map<string, Record<string, string>>;
  /** Members refused as a whole (an object of theirs is someone else's), with the reasons. */
  refused: Map<string, string[]>;
  /** Objects applied in this run (created or changed), by key. */
  applied: Set<string>;
  /** The first failure of an apply, if any (what was applied before it is in uids). */
  error?: string;
}

/**
 * Bring the cluster in line with the set: plan every target, refuse members with someone else's
 * objects, apply the rest in phases. Targets already as desired are only recorded (their UIDs).
 */
export async function applySet(
  c: KubeClient,
  members: readonly CompiledMember[],
  baselines: Map<string, Target[]>,
): Promise<ApplyResult> {
  const uids = new Map<string, Record<string, string>>();
  const refused = new Map<string, string[]>();
  const applied = new Set<string>();
  const record = (t: Target, live: KubeObject | undefined) => {
    const uid = uidOf(live);
    if (!uid) return;
    let m = uids.get(t.owner);
    if (!m) uids.set(t.owner, (m = {}));
    m[t.key] = uid;
  };

  // Plans first, for every member: a member with a refused object applies nothing.
  const planned = new Map<string, Planned[]>();
  for (const m of members) {
    const todo: Planned[] = [];
    for (const t of m.targets) {
      if (needsApply(t).length === 0) record(t, t.live);
      else todo.push({ ...t, plan: planOf(t) });
    }
    const reasons = todo.flatMap((p) => (p.plan.action === "refuse" ? [p.plan.error] : []));
    if (reasons.length) {
      refused.set(m.ref, reasons);
      uids.delete(m.ref);
    } else planned.set(m.ref, todo);
  }
  // A namespace whose baseline cannot be applied (an object of it is someone else's) refuses its members.
  const baselineTodo: Planned[] = [];
  for (const [ns, targets] of baselines) {
    const inNamespace = members.filter((m) => m.namespace === ns && !refused.has(m.ref));
    if (!inNamespace.length) continue;
    const todo: Planned[] = [];
    for (const t of targets) {
      if (needsApply(t).length === 0) record(t, t.live);
      else todo.push({ ...t, plan: planOf(t) });
    }
    const reasons = todo.flatMap((p) => (p.plan.action === "refuse" ? [p.plan.error] : []));
    if (!reasons.length) {
      baselineTodo.push(...todo);
      continue;
    }
    uids.delete(`${ns} (baseline)`);
    for (const m of inNamespace) {
      refused.set(m.ref, reasons);
      planned.delete(m.ref);
      uids.delete(m.ref);
    }
  }

  const run = async (batch: Planned[]) => {
    await pool(batch, CONCURRENCY, async (p) => {
      const live = await applyObject(c, p.desired, p.plan, { fieldManager: p.manager, adopt: p.adopt });
      applied.add(p.key);
      record(p, live);
      for (const manager of p.legacy) if (p.desired.kind !== "Namespace") await release(c, p.desired, manager);
    });
  };
  const all = [...planned.values()].flat();
  const phases: Planned[][] = [
    baselineTodo.filter((p) => p.desired.kind === "Namespace"),
    baselineTodo.filter((p) => p.desired.kind !== "Namespace"),
    all.filter((p) => p.key.startsWith("ConfigMap/")),
    all.filter((p) => !p.key.startsWith("ConfigMap/")),
  ];
  try {
    for (const phase of phases) await run(phase);
  } catch (e) {
    return { uids, refused, applied, error: describeFailure(e) };
  }
  return { uids, refused, applied };
}

/**
 * Drop a previous-model manager's hold on an object the set now applies (server-side apply would
 * otherwise keep every field that manager set, even once the set stops setting it). The retired
 * Membership and Policy resources release their own managers when the engine deletes them; the
 * @pulumi/kubernetes resources of the previous model do not exist any more, so the set does it.
 */
async function release(c: KubeClient, desired: KubeObject, manager: string): Promise<RemoveOutcome | undefined> {
  if (!manager.startsWith("pulumi-kubernetes-")) return undefined;
  return removeObject(c, refOf(desired), manager, undefined, true);
}

function describeFailure(e: unknown): string {
  if (e instanceof OwnershipError) return e.message;
  const err = e as { message?: string; causes?: { field?: string; message?: string }[] };
  const causes = (err.causes ?? []).map((x) => `${x.field ?? ""}: ${x.message ?? ""}`).join("; ");
  return `${err.message ?? String(e)}${causes && !String(err.message).includes(causes) ? ` (${causes})` : ""}`;
}

/** Print why each target would change (the engine shows the provider's stderr under the resource). */
export function reportChanges(targets: Iterable<Target>): number {
  let n = 0;
  for (const t of targets)
    for (const line of needsApply(t)) {
      say(`change: ${line}`);
      n++;
    }
  return n;
}
