// Implementation of the membership dynamic provider (loaded at run time by ./index.ts's shell): a
// service's (or external service's) membership of its namespace, deployed before its policies:
//   - the namespace baseline (the Namespace with the ambient label, default deny, mesh default
//     deny, strict mTLS), applied by EVERY member with the one field manager "lattice.baseline":
//     identical applies from many services are no-ops, where a manager per service would grow
//     managedFields (and contention) with every service of the namespace;
//   - the member's declaration record, which other stacks read for the agreement check.
// Deleting a membership deletes the record, then the baseline only if no record remains in the
// namespace: each member removes its own record BEFORE counting, so the last one out always sees
// none, even when several leave at once. The Namespace itself is deleted only if Lattice created
// it and it holds nothing else; one it joined (created by kubectl, say) only loses Lattice's labels
// (see ../objectset/ownership.ts).
import type * as pulumi from "@pulumi/pulumi";
import { RECORD_LABEL } from "../../core/agreements";
import { keyOf, type KubeObject, type ObjectRef } from "../../core/k8s/object";
import { canonical } from "../objectset/drift";
import { workloadRefusal } from "../objectset/ownership";
import { clientFor } from "../session";
import * as objectSet from "../objectset/impl";
import { retire } from "../serviceset/retire";

/** The field manager of every namespace baseline object. */
export const BASELINE_MANAGER = "lattice.baseline";

/** Inputs and state of a membership. */
export interface MembershipInputs {
  kubeconfig: string;
  namespace: string;
  /** The namespace baseline, keyed by "Kind/namespace/name". */
  baseline: Record<string, KubeObject>;
  /** The member's declaration record (one object), keyed likewise. */
  record: Record<string, KubeObject>;
  /** The record's field manager (one per member). */
  recordManager: string;
  /** Take over existing objects Lattice did not create (the document's lattice.dev/adopt). */
  adopt?: boolean;
  /**
   * The service's workload objects, which @pulumi/kubernetes applies after the membership: their
   * names are checked here first, so an object someone else made is refused, not taken over.
   */
  workloads?: ObjectRef[];
  /** State only: the UID of each object as applied, keyed like baseline and record. */
  uids?: Record<string, string>;
}

const baselineSet = (m: MembershipInputs): objectSet.ObjectSetInputs => ({
  kubeconfig: m.kubeconfig,
  fieldManager: BASELINE_MANAGER,
  objects: m.baseline ?? {},
  ...(m.adopt !== undefined ? { adopt: m.adopt } : {}),
  ...(m.uids ? { uids: m.uids } : {}),
});
const recordSet = (m: MembershipInputs): objectSet.ObjectSetInputs => ({
  kubeconfig: m.kubeconfig,
  fieldManager: m.recordManager,
  objects: m.record ?? {},
  ...(m.adopt !== undefined ? { adopt: m.adopt } : {}),
  ...(m.uids ? { uids: m.uids } : {}),
});

export async function check(
  _olds: MembershipInputs,
  news: MembershipInputs,
): Promise<pulumi.dynamic.CheckResult<MembershipInputs>> {
  const failures = [
    ...objectSet
      .validate(baselineSet(news))
      .map((f) => ({ ...f, property: f.property.replace(/^objects/, "baseline") })),
    ...objectSet.validate(recordSet(news)).map((f) => ({
      ...f,
      property: f.property.replace(/^objects/, "record").replace(/^fieldManager/, "recordManager"),
    })),
  ];
  if (Object.keys(news.record ?? {}).length !== 1)
    failures.push({ property: "record", reason: "exactly one declaration record is expected" });
  return failures.length ? { failures } : { inputs: news };
}

export async function diff(
  id: string,
  olds: MembershipInputs,
  news: MembershipInputs,
): Promise<pulumi.dynamic.DiffResult> {
  if (olds.namespace !== news.namespace || olds.recordManager !== news.recordManager)
    return {
      changes: true,
      replaces: olds.namespace !== news.namespace ? ["namespace"] : ["recordManager"],
      deleteBeforeReplace: false,
    };
  if (canonical((olds.workloads ?? []).map(keyOf)) !== canonical((news.workloads ?? []).map(keyOf)))
    return { changes: true };
  const [b, r] = [
    await objectSet.diff(id, baselineSet(olds), baselineSet(news)),
    await objectSet.diff(id, recordSet(olds), recordSet(news)),
  ];
  return { changes: !!(b.changes || r.changes) };
}

/**
 * Everything a membership's apply needs to know first, in one round of parallel GETs: the live
 * baseline and record, and whether any of them or of the workload names is someone else's. Throws,
 * naming every refusal, before anything is applied.
 */
async function prefetch(m: MembershipInputs): Promise<Record<string, KubeObject | undefined>> {
  const c = clientFor(m.kubeconfig);
  const [lives, workloads] = await Promise.all([
    objectSet.readLive(c, { ...m.baseline, ...m.record }),
    Promise.all((m.workloads ?? []).map(async (ref) => ({ ref, live: await c.getOrUndefined(ref) }))),
  ]);
  const refusals = [
    ...workloads.flatMap((w) => workloadRefusal(w.ref, w.live, !!m.adopt) ?? []),
    ...objectSet.refusalsOf(baselineSet(m), lives),
    ...objectSet.refusalsOf(recordSet(m), lives),
  ];
  if (refusals.length) throw new Error(refusals.join("; "));
  return lives;
}

export async function create(inputs: MembershipInputs): Promise<pulumi.dynamic.CreateResult<MembershipInputs>> {
  const lives = await prefetch(inputs);
  // The namespace first: the record lives in it.
  const b = await objectSet.within(
    () => objectSet.create(baselineSet(inputs), lives),
    (set) => ({ ...inputs, baseline: set.objects, record: {}, uids: set.uids ?? {} }),
  );
  // The baseline is applied: a record that fails now leaves a half-made membership in the state,
  // so the baseline is never orphaned.
  const r = await objectSet
    .within(
      () => objectSet.create(recordSet(inputs), lives),
      (set) => ({ ...inputs, record: set.objects, uids: { ...b.outs?.uids, ...set.uids } }),
    )
    .catch((e: unknown) => {
      if (e instanceof objectSet.PartialApplyError) throw e;
      const state = { ...inputs, record: {}, uids: b.outs?.uids ?? {} };
      throw new objectSet.PartialApplyError<MembershipInputs>(b.id, state, [(e as Error).message ?? String(e)]);
    });
  return { id: r.id, outs: { ...inputs, uids: { ...b.outs?.uids, ...r.outs?.uids } } };
}

export async function read(id: string, props: MembershipInputs): Promise<pulumi.dynamic.ReadResult<MembershipInputs>> {
  const b = await objectSet.read(id, baselineSet(props));
  const r = await objectSet.read(id, recordSet(props));
  return { id, props: { ...props, baseline: b.props!.objects, record: r.props!.objects } };
}

export async function update(
  id: string,
  olds: MembershipInputs,
  news: MembershipInputs,
): Promise<pulumi.dynamic.UpdateResult<MembershipInputs>> {
  const lives = await prefetch(news);
  const b = await objectSet.within(
    () => objectSet.update(id, baselineSet(olds), baselineSet(news), lives),
    (set) => ({ ...news, baseline: set.objects, record: olds.record, uids: { ...olds.uids, ...set.uids } }),
  );
  const r = await objectSet.within(
    () => objectSet.update(id, recordSet(olds), recordSet(news), lives),
    (set) => ({ ...news, record: set.objects, uids: { ...olds.uids, ...b.outs?.uids, ...set.uids } }),
  );
  return { outs: { ...news, uids: { ...b.outs?.uids, ...r.outs?.uids } } };
}

/**
 * Retired since the ServiceSet (docs/decisions/resource-model.md): a stack deployed before holds
 * Membership resources, which the engine deletes on its first `up` with the new model, after the set
 * has applied the same record. So the record is released to the set, not deleted
 * (../serviceset/retire.ts); the baseline goes only when no record is left, as before.
 */
async function remove(id: string, props: MembershipInputs): Promise<void> {
  await retire(props.kubeconfig, props.recordManager, props.record ?? {}, props.uids);
  // Counted with a fresh LIST (never a cached one): the last member out must see the others gone.
  const others = (
    await clientFor(props.kubeconfig).list("v1", "ConfigMap", {
      namespace: props.namespace,
      labelSelector: `${RECORD_LABEL}=true`,
    })
  ).length;
  if (others === 0) await objectSet.delete(id, baselineSet(props));
}
export { remove as delete };
