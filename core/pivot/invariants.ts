// The pivot's safety invariants over a snapshot of both sides (used by the tests at every crash
// point, and cheap enough to run after any step):
//   I1 never both Clusters active: not (source Cluster unpaused and target Cluster unpaused)
//   I2 before Activated (or rolling back), the target Cluster is absent or paused
//   I3 from Fenced on, the source Cluster is absent, or paused and fenced
//   I4 nothing lost: every planned object exists in the source or the target with its digest
//   I5 no dangling owner: every ownerReference UID exists on its side (else the GC deletes the object;
//      a source object the pivot is already deleting is exempt)
//   I6 no duplicate: the target holds nothing unplanned, and the active side's Machines are exactly
//      the Machines before the pivot (no second set of infrastructure)
import type { KubeObject } from "../k8s/object";
import { phaseIndex, type Phase } from "./journal";
import { CAPI, PIVOT, identityOf, keyOf, type PlanEntry } from "./model";
import { digestOf } from "./normalise";
import { keyOfEntry } from "./plan";

/** One side's objects (every discovery type of the moved namespace). */
export interface SideSnapshot {
  readonly objects: readonly KubeObject[];
}

export interface InvariantInput {
  /** The journal's phase (undefined: no journal yet). */
  readonly phase?: Phase;
  /** What must not be lost: the frozen plan, or the plan computed before the pivot started. */
  readonly plan: readonly PlanEntry[];
  readonly source: SideSnapshot;
  readonly target: SideSnapshot;
}

/** A broken invariant, e.g. { id: "I4", message: "Machine ns/m-1 is in neither cluster" }. */
export interface Violation {
  readonly id: "I1" | "I2" | "I3" | "I4" | "I5" | "I6";
  readonly message: string;
}

/** True when a Cluster is paused (spec.paused, or the paused annotation). */
export function isPaused(o: KubeObject): boolean {
  return (
    (o.spec as { paused?: boolean } | undefined)?.paused === true ||
    CAPI.pausedAnnotation in (o.metadata.annotations ?? {})
  );
}

const index = (objs: readonly KubeObject[]) => new Map(objs.map((o) => [keyOf(identityOf(o)), o]));
const uidOf = (o: KubeObject) => (o.metadata as { uid?: string }).uid ?? "";
const machines = (objs: Iterable<KubeObject>) =>
  [...objs]
    .filter((o) => o.kind === "Machine" && o.apiVersion.startsWith(`${CAPI.group}/`))
    .map((o) => o.metadata.name)
    .sort();

/** Every violated invariant (empty: all hold). */
export function checkInvariants(input: InvariantInput): Violation[] {
  const out: Violation[] = [];
  const src = index(input.source.objects);
  const tgt = index(input.target.objects);
  const phase = input.phase;
  const beforeActivated = phase === undefined || phaseIndex(phase) < phaseIndex("Activated");
  const fenced = phase !== undefined && phaseIndex(phase) >= phaseIndex("Fenced");

  for (const e of input.plan.filter((p) => p.group === CAPI.group && p.kind === "Cluster")) {
    const key = keyOfEntry(e);
    const s = src.get(key);
    const t = tgt.get(key);
    if (s && t && !isPaused(s) && !isPaused(t)) out.push({ id: "I1", message: `${key}: active in both clusters` });
    if (beforeActivated && t && !isPaused(t))
      out.push({
        id: "I2",
        message: `${key}: target copy active before the Activated phase (phase ${phase ?? "none"})`,
      });
    if (fenced && s && !(isPaused(s) && PIVOT.pivotedTo in (s.metadata.annotations ?? {})))
      out.push({ id: "I3", message: `${key}: source not paused and fenced in phase ${phase}` });
  }

  for (const e of input.plan) {
    const key = keyOfEntry(e);
    const s = src.get(key);
    const t = tgt.get(key);
    const ok = (o?: KubeObject) => o !== undefined && digestOf(o) === e.digest;
    if (!ok(s) && !ok(t))
      out.push({
        id: "I4",
        message: `${key}: lost (source ${s ? "differs" : "absent"}, target ${t ? "differs" : "absent"})`,
      });
  }

  for (const [side, objs] of [
    ["source", src],
    ["target", tgt],
  ] as const) {
    const uids = new Set([...objs.values()].map(uidOf));
    for (const [key, o] of objs)
      // A source object already being deleted by the pivot cannot be lost to the GC: skip it.
      if (!(side === "source" && (o.metadata as { deletionTimestamp?: string }).deletionTimestamp))
        for (const r of (o.metadata as { ownerReferences?: { uid: string; kind: string; name: string }[] })
          .ownerReferences ?? [])
          if (!uids.has(r.uid))
            out.push({ id: "I5", message: `${side} ${key}: owner ${r.kind} ${r.name} (uid ${r.uid}) does not exist` });
  }

  const planned = new Set(input.plan.map(keyOfEntry));
  for (const [key, o] of tgt)
    if (!planned.has(key) && PIVOT.idLabel in (o.metadata.labels ?? {}))
      out.push({ id: "I6", message: `target ${key}: carries a pivot label but is not planned` });
  const before = machines(
    input.plan.map((e) => ({ apiVersion: `${e.group}/v`, kind: e.kind, metadata: { name: e.name } })),
  );
  const clusterKeys = input.plan.filter((p) => p.group === CAPI.group && p.kind === "Cluster").map(keyOfEntry);
  const active = (side: Map<string, KubeObject>) => clusterKeys.some((k) => side.get(k) && !isPaused(side.get(k)!));
  for (const [side, objs] of [
    ["source", src],
    ["target", tgt],
  ] as const) {
    if (!active(objs)) continue;
    const now = machines(objs.values());
    if (now.join(",") !== before.join(","))
      out.push({
        id: "I6",
        message: `${side} is active with Machines [${now.join(", ")}], before [${before.join(", ")}]`,
      });
  }
  return out;
}
