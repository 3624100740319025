// Decisions about the target, from what it holds: refusals before a pivot starts (a kind it does not
// serve at the source's storage version; an object of a planned identity this pivot did not create),
// and, per object while copying, whether to create, update, leave or stop.
import { PIVOT, describe, keyOf, type Plan, type PlanEntry, type Refusal } from "./model";
import { keyOfEntry } from "./plan";

/** What the target says about one object of a planned identity. */
export interface TargetObjectSummary {
  readonly key: string;
  readonly uid: string;
  readonly pivotId?: string;
  readonly sourceUid?: string;
  readonly digest: string;
  readonly deleting: boolean;
}

/** The target's storage version per "group/Kind" (absent: the kind is not served). */
export type TargetTypes = ReadonlyMap<string, string>;

/** Refusals about the target. `pivotId` is the journal's (absent on a fresh start: then every object is foreign). */
export function targetRefusals(
  plan: Plan,
  types: TargetTypes,
  existing: ReadonlyMap<string, TargetObjectSummary>,
  pivotId?: string,
): Refusal[] {
  const out: Refusal[] = [];
  const missing = new Map<string, string>();
  for (const e of plan.entries) {
    if (e.group === "") continue; // Secrets and ConfigMaps exist everywhere
    const gk = `${e.group}/${e.kind}`;
    const version = types.get(gk);
    const want = e.apiVersion.split("/")[1]!;
    if (version !== want)
      missing.set(
        gk,
        version ? `${gk} is stored as ${version} there, ${want} here` : `${gk} (${e.apiVersion}) is not served`,
      );
  }
  if (missing.size)
    out.push({
      reason: "target-missing-type",
      message: `the target cannot hold these kinds: ${[...missing.values()].join("; ")}; install the same provider versions there`,
      objects: [...missing.keys()],
    });
  const conflicts = plan.entries.filter((e) => {
    const t = existing.get(keyOfEntry(e));
    return t && !e.global && decideCopy(e, t, pivotId ?? "") === "conflict";
  });
  if (conflicts.length)
    out.push({
      reason: "target-conflict",
      message:
        `the target already holds objects of the same name that this pivot did not create: ` +
        `${conflicts.map((e) => describe(e)).join(", ")}; delete them there or move another namespace`,
      objects: conflicts.map(keyOf),
    });
  return out;
}

/** What to do with one planned object, given what the target holds under its identity. */
export type CopyDecision = "create" | "unchanged" | "update" | "keep-global" | "conflict";

/** Create if absent; ours and equal → leave; ours and different → update; anything else → conflict. */
export function decideCopy(entry: PlanEntry, existing: TargetObjectSummary | undefined, pivotId: string): CopyDecision {
  if (!existing) return "create";
  if (entry.global) return "keep-global"; // clusterctl: global objects are copied only if absent
  const ours = existing.pivotId === pivotId && existing.sourceUid === entry.sourceUid;
  if (!ours || existing.deleting) return "conflict";
  return existing.digest === entry.digest ? "unchanged" : "update";
}

/** The pivot label and source-UID annotation of a target object (for a summary). */
export function pivotMarks(labels?: Record<string, string>, annotations?: Record<string, string>) {
  const out: { pivotId?: string; sourceUid?: string } = {};
  const id = labels?.[PIVOT.idLabel];
  const src = annotations?.[PIVOT.sourceUid];
  if (id !== undefined) out.pivotId = id;
  if (src !== undefined) out.sourceUid = src;
  return out;
}
