// Verification of the copies before the source is fenced (design §3.7): the target holds every
// planned identity as this pivot's copy with the frozen digest, nothing extra with the pivot's id,
// every owner UID resolves, copied Clusters are still paused, each copy keeps its source's
// finalizers, and the mover owns no field the source's managedFields do not give it. Separately,
// the source must still match the frozen digests (else the plan is re-frozen).
import type { KubeObject } from "../k8s/object";
import { describe, identityOf, keyOf, type PlanEntry } from "./model";
import { digestOf, finalizersOf, moverFieldsOf } from "./normalise";
import type { TargetObjectSummary } from "./target";

/** What verification needs to know about one target object. */
export interface VerifiableSummary extends TargetObjectSummary {
  readonly danglingOwners: number;
  readonly finalizers: readonly string[];
  readonly paused?: boolean;
  /** moverFieldsOf the copy. */
  readonly moverFields: string;
}

export interface Verification {
  /** Copies missing, different or incomplete (copy again). */
  readonly target: string[];
  /** Source objects gone or changed since the freeze (re-freeze). */
  readonly source: string[];
  /** Planned objects whose copy needs only its managedFields restored. */
  readonly fieldsOnly: string[];
}

/** Compare the target and the source with the frozen plan. */
export function verifyCopies(
  plan: readonly PlanEntry[],
  target: ReadonlyMap<string, VerifiableSummary>,
  source: ReadonlyMap<string, KubeObject>,
  pivotId: string,
  strays: number,
): Verification {
  const out: Verification = { target: [], source: [], fieldsOnly: [] };
  for (const e of plan) {
    const key = keyOf(e);
    const s = source.get(key);
    if (!s || (s.metadata as { uid?: string }).uid !== e.sourceUid || digestOf(s) !== e.digest) {
      out.source.push(`${describe(e)} ${s ? "changed" : "is gone"}`);
      continue;
    }
    const t = target.get(key);
    const what = describe(e);
    if (!t) out.target.push(`${what}: no copy`);
    else if (e.global) continue;
    else if (t.pivotId !== pivotId || t.sourceUid !== e.sourceUid) out.target.push(`${what}: not this pivot's copy`);
    else if (t.digest !== e.digest) out.target.push(`${what}: differs from the source`);
    else if (t.danglingOwners > 0) out.target.push(`${what}: ${t.danglingOwners} owner(s) missing`);
    else if (t.paused === false) out.target.push(`${what}: copy is not paused`);
    else if (!finalizersOf(s).every((f) => t.finalizers.includes(f))) out.target.push(`${what}: finalizers missing`);
    else if (t.moverFields !== moverFieldsOf(s)) out.fieldsOnly.push(key);
  }
  if (strays) out.target.push(`${strays} stray copies carry the pivot's id`);
  return out;
}

/** Key of a live object (for callers that index objects the way plans do). */
export const liveKey = (o: KubeObject): string => keyOf(identityOf(o));
