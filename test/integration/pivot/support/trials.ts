// One crash trial: a fresh namespace with the fixture, the mover stopped before or after its k-th
// mutating request (in-process, or the CLI SIGKILLed), the invariants checked on the frozen world,
// one re-run, and the converged result compared with the oracle's.
import { checkInvariants, type Violation } from "../../../../core/pivot/invariants";
import { fromJournalEntry } from "../../../../core/pivot/journal";
import { planPivot } from "../../../../core/pivot/plan";
import type { PlanEntry } from "../../../../core/pivot/model";
import type { KubeObject } from "../../../../core/k8s/object";
import { PivotCrash, type Fault } from "../../../../pivot/fault";
import { KubeSource } from "../../../../pivot/source";
import type { ControlPlane } from "../../../harness/controlplane";
import type { FixtureOptions } from "../../../harness/pivot-fixture";
import { type Bed, journal, kindName, latticePivot, loadInto, mover, snapshot } from "./bed";
import { extraMetadataKeys, mapDiff, moverManagers, normalisedByName } from "./compare";

/** The oracle's result, to compare converged trials with. */
export interface Oracle {
  /** The fixture's shape (every trial loads the same). */
  readonly shape: Omit<FixtureOptions, "namespace">;
  /** Normalised target content by "Kind/name". */
  readonly target: Map<string, string>;
  readonly targetObjects: readonly KubeObject[];
  /** "Kind/name" left in the source. */
  readonly left: readonly string[];
}

/** One point of the matrix. */
export interface Point {
  readonly when: "before" | "after";
  readonly k: number;
  /** SIGKILL the CLI instead of an in-process abort. */
  readonly kill?: boolean;
}

export interface TrialResult {
  readonly point: Point;
  readonly phaseAtCrash: string;
  readonly violations: Violation[];
  /** Differences of the converged result from the oracle (empty when equal). */
  readonly differences: string[];
  readonly attempts: number;
  readonly ms: number;
}

export const pointName = (p: Point): string => `${p.when}:${p.k}${p.kill ? ":kill" : ""}`;

/** The plan of a freshly loaded namespace (what must not be lost before the journal holds one). */
export async function baselinePlan(cp: ControlPlane, namespace: string): Promise<PlanEntry[]> {
  const d = await new KubeSource(cp.client).discover(namespace);
  const r = planPivot({ namespace, ...d });
  if (!r.ok) throw new Error(r.refusals.map((x) => x.message).join("\n"));
  return [...r.plan.entries];
}

/** Both sides of a namespace and its journal, now. */
async function world(bed: Bed, namespace: string) {
  const [j, source, target] = await Promise.all([
    journal(bed.source, namespace),
    snapshot(bed.source, bed.types, namespace),
    snapshot(bed.target, bed.types, namespace),
  ]);
  return { j, source, target };
}
type World = Awaited<ReturnType<typeof world>>;

/** I1–I6 on a world (the journal's plan once frozen, else the plan before the pivot). */
function invariantsOf(w: World, baseline: readonly PlanEntry[]) {
  const plan = w.j?.status?.plan ? w.j.status.plan.map(fromJournalEntry) : baseline;
  return {
    phase: w.j?.status?.phase ?? (w.j ? "Planned" : "none"),
    violations: checkInvariants({
      ...(w.j?.status?.phase ? { phase: w.j.status.phase } : {}),
      plan,
      source: { objects: w.source },
      target: { objects: w.target },
    }),
  };
}

/** Differences between a converged namespace and the oracle. */
export async function againstOracle(bed: Bed, namespace: string, oracle: Oracle): Promise<string[]> {
  return oracleDifferences(await world(bed, namespace), oracle);
}

function oracleDifferences({ source, target }: World, oracle: Oracle): string[] {
  const d = mapDiff(normalisedByName(target), oracle.target);
  const out = [
    ...d.onlyA.map((k) => `extra in target: ${k}`),
    ...d.onlyB.map((k) => `missing in target: ${k}`),
    ...d.differ.map((k) => `differs from the oracle: ${k}`),
    ...moverManagers(target).map((m) => `mover managedFields: ${m}`),
  ];
  // Allowed: the copies' record of where they came from (oracle.test.ts lists it).
  const extras = extraMetadataKeys(target, oracle.targetObjects).filter(
    (k) =>
      !/ (label lattice\.dev\/pivot-id|annotation lattice\.dev\/pivot-source-uid)$/.test(k) &&
      !k.startsWith("Cluster/edge "),
  );
  out.push(...extras.map((k) => `extra metadata: ${k}`));
  const left = source.map(kindName).sort();
  if (left.join(",") !== [...oracle.left].sort().join(",")) out.push(`source keeps [${left.join(", ")}]`);
  const c = target.find((o) => o.kind === "Cluster");
  if ((c?.spec as { paused?: boolean } | undefined)?.paused) out.push("target Cluster still paused");
  return out;
}

/** Run one in-process trial. */
export async function inProcessTrial(
  bed: Bed,
  point: Point,
  namespace: string,
  oracle: Oracle,
  m: number,
): Promise<TrialResult> {
  const started = Date.now();
  await loadInto(bed.source, { ...oracle.shape, namespace });
  const baseline = await baselinePlan(bed.source, namespace);
  const fault: Fault = { when: point.when, n: point.k, kill: false };
  const crashed = mover(bed, namespace, { fault });
  const outcome = await crashed.mover.run().then(
    () => "completed",
    (e: unknown) => (e instanceof PivotCrash ? "crashed" : `failed: ${(e as Error).stack}`),
  );
  crashed.close();
  if (outcome !== "crashed" && point.k <= m)
    throw new Error(`${pointName(point)}: the mover ${outcome} instead of crashing`);
  if (crashed.counter.count !== Math.min(point.k, m))
    throw new Error(`${pointName(point)}: stopped after ${crashed.counter.count} writes`);
  const atCrash = invariantsOf(await world(bed, namespace), baseline);
  const rerun = mover(bed, namespace);
  const result = await rerun.mover.run();
  rerun.close();
  const w = await world(bed, namespace);
  return {
    point,
    phaseAtCrash: atCrash.phase,
    violations: [
      ...atCrash.violations,
      ...invariantsOf(w, baseline).violations.map((v) => ({ ...v, message: `after the re-run: ${v.message}` })),
    ],
    differences:
      result.outcome === "completed" || result.outcome === "already-completed"
        ? oracleDifferences(w, oracle)
        : [`re-run ended ${result.outcome}`],
    attempts: result.attempts,
    ms: Date.now() - started,
  };
}

/** Run one trial with the real CLI SIGKILLed at the point; the re-run takes over its lease (its pid is gone). */
export async function killTrial(bed: Bed, point: Point, namespace: string, oracle: Oracle): Promise<TrialResult> {
  const started = Date.now();
  await loadInto(bed.source, { ...oracle.shape, namespace });
  const baseline = await baselinePlan(bed.source, namespace);
  const first = await latticePivot(bed, namespace, [], { LATTICE_PIVOT_FAULT: `${point.when}:${point.k}:kill` });
  if (first.signal !== "SIGKILL")
    throw new Error(
      `${pointName(point)}: the CLI was not killed (exit ${first.code}):\n${first.stdout}${first.stderr}`,
    );
  const atCrash = invariantsOf(await world(bed, namespace), baseline);
  const lines: string[] = [];
  const rerun = mover(bed, namespace, { lines });
  const result = await rerun.mover.run();
  rerun.close();
  const w = await world(bed, namespace);
  // A journal with a holder (any phase but none/Planned/Completed) was taken over from the dead pid at once.
  const tookOver =
    ["none", "Planned", "Completed"].includes(atCrash.phase) ||
    lines.some((l) => /resuming at .*lease holder-dead/.test(l));
  return {
    point,
    phaseAtCrash: atCrash.phase,
    violations: [...atCrash.violations, ...invariantsOf(w, baseline).violations],
    differences: [
      ...oracleDifferences(w, oracle),
      ...(tookOver ? [] : [`the re-run did not take over the dead CLI's lease: ${lines.join(" | ")}`]),
    ],
    attempts: result.attempts,
    ms: Date.now() - started,
  };
}

/** Remove a trial's namespaces (finalizers stripped first: no controllers run here). */
export async function dropNamespace(bed: Bed, namespace: string): Promise<void> {
  for (const cp of [bed.source, bed.target]) {
    const objs = await snapshot(cp, bed.types, namespace);
    await Promise.all(
      objs
        .filter((o) => ((o.metadata as { finalizers?: string[] }).finalizers ?? []).length)
        .map(async (o) => {
          const path = await cp.client.pathOf(o.apiVersion, o.kind, namespace, o.metadata.name);
          await cp.client
            .request("PATCH", path, { metadata: { finalizers: null } }, "application/merge-patch+json")
            .catch(() => undefined);
        }),
    );
    await cp.client.delete({ apiVersion: "v1", kind: "Namespace", name: namespace }).catch(() => undefined);
  }
}

/** A small seeded generator (mulberry32), so a sample can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Run tasks with at most `n` at a time. */
export async function parallel<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
