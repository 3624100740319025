// The crash matrix (issue 14, item 2): the mover stopped just before and just after its k-th
// mutating request (journal writes included), k = 1..M; at every stop the invariants I1–I6 hold on
// the frozen world, and one re-run converges to the result of the REAL clusterctl move v1.14.2 on
// the same fixture. In-process aborts (PivotCrash, which nothing catches) for the matrix; the real
// CLI SIGKILLed at every phase boundary.
//
// The fixture here is the issue's cluster at its smallest (1 control-plane and 2 worker Machines:
// every kind, soft-owned Secrets, /move objects; 27 objects move), so the full matrix stays hours-free;
// the oracle and benchmark files move the 3 + 10 machine fixture.
//
// `make test` runs a sample: every phase boundary (before and after the journal write that enters
// it) and 10 seeded random points; the seed is printed, PIVOT_MATRIX_SEED=<seed> replays it.
// PIVOT_MATRIX=full (make test-pivot-matrix) runs every k, before and after.
import { PHASES } from "../../../core/pivot/journal";
import { type Bed, SMALL, clusterctlMove, kindName, loadInto, mover, snapshot, startBed } from "./support/bed";
import { normalisedByName } from "./support/compare";
import {
  againstOracle,
  dropNamespace,
  inProcessTrial,
  killTrial,
  parallel,
  pointName,
  seeded,
  type Oracle,
  type Point,
  type TrialResult,
} from "./support/trials";

const FULL = process.env.PIVOT_MATRIX === "full";
const SEED = Number(process.env.PIVOT_MATRIX_SEED ?? Date.now() % 1_000_000);
const CONCURRENCY = Number(process.env.PIVOT_MATRIX_CONCURRENCY ?? 2);
const SHAPE = SMALL;
jest.setTimeout(FULL ? 6 * 3600_000 : 600_000);

let bed: Bed;
let oracle: Oracle;
let M = 0;
/** Index (1-based) of the journal write entering each phase, in the clean run. */
const boundaries = new Map<string, number>();

beforeAll(async () => {
  bed = await startBed("matrix");
  await loadInto(bed.source, { ...SHAPE, namespace: "m-oracle" });
  const ctl = await clusterctlMove(bed, "m-oracle");
  if (ctl.code !== 0) throw new Error(`clusterctl move failed:\n${ctl.stdout}${ctl.stderr}`);
  const [target, source] = await Promise.all([
    snapshot(bed.target, bed.types, "m-oracle"),
    snapshot(bed.source, bed.types, "m-oracle"),
  ]);
  oracle = { shape: SHAPE, target: normalisedByName(target), targetObjects: target, left: source.map(kindName) };
});
afterAll(async () => bed?.stop());

test("a clean run: M mutating requests, the oracle's result", async () => {
  await loadInto(bed.source, { ...SHAPE, namespace: "m-clean" });
  const log: string[] = [];
  const run = mover(bed, "m-clean", { lines: log });
  const r = await run.mover.run();
  run.close();
  expect(r.outcome).toBe("completed");
  M = run.counter.count;
  // The journal's status writes, in order: the first is Preflighted (the create is the one before it).
  const writes = run.counter.trace
    .map((t, i) => ({ t, k: i + 1 }))
    .filter((x) => /^PUT source.*clusterpivots\/m-clean\/status$/.test(x.t));
  const phases = PHASES.filter((p) => p !== "Planned");
  expect(writes).toHaveLength(phases.length);
  phases.forEach((p, i) => boundaries.set(p, writes[i]!.k));
  boundaries.set("Planned", writes[0]!.k - 1); // the journal's create
  console.log(
    `crash matrix: M = ${M} mutating requests; phase boundaries ${JSON.stringify(Object.fromEntries(boundaries))}`,
  );
  expect(await againstOracle(bed, "m-clean", oracle)).toEqual([]);

  // The count is a property of the pivot, not of timing: a second clean run issues exactly M.
  await loadInto(bed.source, { ...SHAPE, namespace: "m-clean2" });
  const again = mover(bed, "m-clean2");
  await again.mover.run();
  again.close();
  expect(again.counter.count).toBe(M);
});

function samplePoints(): Point[] {
  if (FULL)
    return Array.from({ length: M }, (_, i) => i + 1).flatMap((k) => [
      { when: "before" as const, k },
      { when: "after" as const, k },
    ]);
  const points = new Map<string, Point>();
  for (const k of boundaries.values())
    for (const when of ["before", "after"] as const) points.set(`${when}:${k}`, { when, k });
  const rand = seeded(SEED);
  while (points.size < boundaries.size * 2 + 10) {
    const p: Point = { when: rand() < 0.5 ? "before" : "after", k: 1 + Math.floor(rand() * M) };
    points.set(pointName(p), p);
  }
  return [...points.values()].sort((a, b) => a.k - b.k || a.when.localeCompare(b.when));
}

function report(results: TrialResult[], what: string): void {
  const bad = results.filter((r) => r.violations.length || r.differences.length);
  const slowest = Math.max(...results.map((r) => r.ms));
  console.log(
    `${what}: ${results.length} trials, ${bad.length} failed; slowest ${slowest} ms; phases at the crash: ` +
      JSON.stringify(
        results.reduce<Record<string, number>>(
          (acc, r) => ({ ...acc, [r.phaseAtCrash]: (acc[r.phaseAtCrash] ?? 0) + 1 }),
          {},
        ),
      ),
  );
  expect(
    bad.map((r) => ({
      point: pointName(r.point),
      phase: r.phaseAtCrash,
      violations: r.violations,
      differences: r.differences.slice(0, 5),
    })),
  ).toEqual([]);
}

test("stopped before and after the k-th mutating request, the invariants hold and one re-run converges", async () => {
  expect(M).toBeGreaterThan(0);
  const points = samplePoints();
  console.log(
    `crash matrix: ${FULL ? "full" : `sample (seed ${SEED}; replay with PIVOT_MATRIX_SEED=${SEED})`}: ${points.length} points: ` +
      points.map(pointName).join(" "),
  );
  const results = await parallel(points, CONCURRENCY, async (p) => {
    const ns = `m-${p.when}-${p.k}`;
    const r = await inProcessTrial(bed, p, ns, oracle, M);
    if (FULL) await dropNamespace(bed, ns); // ~760 namespaces would fill etcd; a sample's ~30 do not
    return r;
  });
  report(results, "in-process");
  // A resumed pivot counts its runs: every crash after the journal got its status was resumed.
  for (const r of results)
    if (!["none", "Planned", "Completed"].includes(r.phaseAtCrash))
      expect({ point: pointName(r.point), resumed: r.attempts >= 2 }).toEqual({
        point: pointName(r.point),
        resumed: true,
      });
});

test("the CLI SIGKILLed at every phase boundary converges on the next run", async () => {
  const points: Point[] = [...new Set(boundaries.values())]
    .sort((a, b) => a - b)
    .map((k) => ({ when: "after", k, kill: true }));
  const results = await parallel(points, CONCURRENCY, async (p) => {
    const ns = `k-${p.k}`;
    return killTrial(bed, p, ns, oracle);
  });
  report(results, "SIGKILL");
});
