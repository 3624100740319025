// The two long steps of the run loop: waiting until the paused source is quiet, and copying with
// verification. Both re-read the world on entry, so a resumed run repeats them safely.
import { CAPI, CLUSTERCTL, describe, keyOf, type PlanEntry } from "../core/pivot/model";
import { decideCopy } from "../core/pivot/target";
import { verifyCopies } from "../core/pivot/verify";
import type { CopyItem, SourcePort, TargetPort } from "./ports";
import type { StoredJournal } from "./journal-store";
import { CopyConflict, SourceChanged, VerificationFailed } from "./errors";

type Condition = { type: string; status: string; observedGeneration?: number };

/**
 * Wait until no planned object carries clusterctl's block-move annotation and every Cluster whose
 * controller reports a Paused condition reports it True for its current generation (the controller
 * saw the pause; clusterctl does not wait for this). A Cluster without a Paused condition has no
 * controller reconciling it (a test bed, a restored backup): nothing to wait for.
 * Returns undefined when quiet, or what still blocks after the timeout.
 */
export async function quiesce(
  source: SourcePort,
  entries: readonly PlanEntry[],
  timeoutMs: number,
  pollMs: number,
  log: (line: string) => void,
  renew: () => Promise<unknown>,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let said = "";
  for (;;) {
    const live = await source.read(entries);
    const blocking: string[] = [];
    for (const e of entries) {
      const o = live.get(keyOf(e));
      if (!o) continue;
      if (CLUSTERCTL.blockMove in (o.metadata.annotations ?? {}))
        blocking.push(`${describe(e)} (${CLUSTERCTL.blockMove})`);
      if (e.group === CAPI.group && e.kind === "Cluster") {
        const cond = ((o.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find(
          (c) => c.type === "Paused",
        );
        const generation = (o.metadata as { generation?: number }).generation ?? 0;
        if (cond && (cond.status !== "True" || (cond.observedGeneration ?? 0) < generation))
          blocking.push(`${describe(e)} (its controller has not reported Paused yet)`);
      }
    }
    if (!blocking.length) return undefined;
    const text = blocking.join(", ");
    if (text !== said) log(`waiting: ${text}`);
    said = text;
    if (Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, pollMs));
    await renew();
  }
}

/**
 * Copy the plan group by group (create what is missing, update this pivot's copies that differ,
 * restore managedFields where only they differ), remove strays, then verify; up to three rounds.
 * Throws SourceChanged when the source differs from the frozen plan, CopyConflict for a foreign
 * object, VerificationFailed when three rounds do not converge.
 */
export async function copyAndVerify(
  source: SourcePort,
  target: TargetPort,
  j: StoredJournal,
  plan: readonly PlanEntry[],
  log: (line: string) => void,
  renew: () => Promise<unknown>,
): Promise<void> {
  const pivotId = j.spec.pivotId;
  const bySourceUid = new Map(plan.map((e) => [e.sourceUid, e]));
  const record = { sourceIdentity: j.spec.source.apiIdentity, setDigest: j.status!.setDigest ?? "" };
  let [src, inv] = await Promise.all([source.read(plan), target.inventory(plan, pivotId)]);
  let verdict = verifyCopies(plan, inv.byKey, src, pivotId, inv.strays.length);
  if (verdict.source.length) throw new SourceChanged(verdict.source);
  if (plan.some((e) => e.namespace)) await target.prepare(j.spec.namespace);
  for (let round = 1; verdict.target.length || verdict.fieldsOnly.length; round++) {
    if (round > 3) throw new VerificationFailed([...verdict.target, ...verdict.fieldsOnly]);
    if (round > 1) log(`verification: ${verdict.target.length + verdict.fieldsOnly.length} differences; copying again`);
    const fieldsOnly = new Set(verdict.fieldsOnly);
    const conflicts: string[] = [];
    const items: CopyItem[] = [];
    for (const e of plan) {
      const object = src.get(keyOf(e))!;
      const d = decideCopy(e, inv.byKey.get(keyOf(e)), pivotId);
      if (d === "conflict") conflicts.push(describe(e));
      else if (d === "create" || d === "update") items.push({ entry: e, object, action: d });
      else if (fieldsOnly.has(keyOf(e))) items.push({ entry: e, object, action: "restore-fields" });
    }
    if (conflicts.length) throw new CopyConflict(conflicts);
    if (items.length) await target.copy({ pivotId, record, bySourceUid, items, between: renew });
    if (inv.strays.length) await target.remove(inv.strays);
    [src, inv] = await Promise.all([source.read(plan), target.inventory(plan, pivotId)]);
    verdict = verifyCopies(plan, inv.byKey, src, pivotId, inv.strays.length);
    if (verdict.source.length) throw new SourceChanged(verdict.source);
  }
}
