// Two movers started at once on the same namespace: one takes the journal's lease and pivots, the
// other waits on the lease and then reports the pivot done; the result is identical to a pivot run
// alone. In-process (the start is simultaneous, so the wait is certain) and as two processes.
import { type Bed, SMALL, journal, kindName, latticePivot, loadInto, mover, snapshot, startBed } from "./support/bed";
import { mapDiff, normalisedByName } from "./support/compare";

jest.setTimeout(300_000);

let bed: Bed;
let moved = 0;
beforeAll(async () => {
  bed = await startBed("concurrent");
  const [f] = await Promise.all(
    ["alone", "race", "pair"].map((namespace) => loadInto(bed.source, { ...SMALL, namespace })),
  );
  moved = f!.objects.length - f!.stays.length;
});
afterAll(async () => bed?.stop());

async function sameAsAlone(ns: string): Promise<void> {
  const [t1, t2, s1, s2] = await Promise.all([
    snapshot(bed.target, bed.types, "alone"),
    snapshot(bed.target, bed.types, ns),
    snapshot(bed.source, bed.types, "alone"),
    snapshot(bed.source, bed.types, ns),
  ]);
  expect(mapDiff(normalisedByName(t2), normalisedByName(t1))).toEqual({ onlyA: [], onlyB: [], differ: [] });
  expect(s2.map(kindName).sort()).toEqual(s1.map(kindName).sort());
}

test("a pivot alone (the reference)", async () => {
  const alone = await latticePivot(bed, "alone");
  expect(alone.code).toBe(0);
});

test("two movers in one process: one pivots, the other waits on the lease and reports it done", async () => {
  const logs: string[][] = [[], []];
  const movers = logs.map((lines) => mover(bed, "pair", { lines }));
  const results = await Promise.all(movers.map((m) => m.mover.run()));
  movers.forEach((m) => m.close());
  expect(results.map((r) => r.outcome).sort()).toEqual(["already-completed", "completed"]);
  const waiter = results.findIndex((r) => r.outcome === "already-completed");
  expect(logs[waiter]!.join("\n")).toMatch(/waiting for the lease held by /);
  expect(logs[waiter]!.filter((l) => l.startsWith("phase "))).toEqual([]);
  // Its writes: the journal's create, which the other won (409), and at most one try at the lease. That try
  // happens when it read the journal between the other's create and the other's first status write (the
  // lease was free then); it lost the compare-and-swap, since it ran no phase. Nothing else.
  const journals = "source/apis/agent.lattice.dev/v1alpha1/namespaces/lattice-system/clusterpivots";
  const [create, ...rest] = movers[waiter]!.counter.trace;
  expect(create).toBe(`POST ${journals}`);
  expect(rest).toEqual(rest.length ? [`PUT ${journals}/pair/status`] : []);
  await sameAsAlone("pair");
});

test("two `lattice pivot` processes at once: both exit 0, one did the work, the result is the same", async () => {
  const [a, b] = await Promise.all([latticePivot(bed, "race"), latticePivot(bed, "race")]);
  expect([a.code, b.code]).toEqual([0, 0]);
  const outs = [a.stdout, b.stdout];
  expect(outs.filter((o) => o.includes(`completed: ${moved} objects moved`))).toHaveLength(1);
  expect(outs.filter((o) => /already completed/.test(o))).toHaveLength(1);
  await sameAsAlone("race");
  const j = await journal(bed.source, "race");
  expect([j?.status?.phase, j?.status?.attempts, j?.status?.holder]).toEqual(["Completed", 1, ""]);
});
