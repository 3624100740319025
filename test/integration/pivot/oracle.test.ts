// Oracle parity (issue 14, item 1): the same provisioned-cluster fixture in two namespaces of one
// source API server; the REAL `clusterctl move` v1.14.2 moves one namespace to the target, and
// `bin/lattice pivot` the other. Both targets must hold the same identities with equal normalised
// content (differences allowed: listed below), both sources the same leftovers, both Clusters
// unpaused, and no mover may own a managedFields entry afterwards.
import { PIVOT } from "../../../core/pivot/model";
import type { KubeObject } from "../../../core/k8s/object";
import { type Bed, clusterctlMove, journal, kindName, latticePivot, loadInto, snapshot, startBed } from "./support/bed";
import { extraMetadataKeys, mapDiff, moverManagers, normalisedByName, withStatus } from "./support/compare";

jest.setTimeout(300_000);

const CTL = "oracle-clusterctl";
const LAT = "oracle-lattice";
let bed: Bed;
let fixtureStays: readonly string[];
const after: Record<string, { source: KubeObject[]; target: KubeObject[] }> = {};
const runs: Record<string, { ms: number; stdout: string }> = {};

beforeAll(async () => {
  bed = await startBed("oracle");
  const [f] = await Promise.all([loadInto(bed.source, { namespace: CTL }), loadInto(bed.source, { namespace: LAT })]);
  fixtureStays = f.stays;
  const ctl = await clusterctlMove(bed, CTL);
  if (ctl.code !== 0) throw new Error(`clusterctl move failed (${ctl.code}):\n${ctl.stdout}\n${ctl.stderr}`);
  const lat = await latticePivot(bed, LAT);
  if (lat.code !== 0) throw new Error(`lattice pivot failed (${lat.code}):\n${lat.stdout}\n${lat.stderr}`);
  runs.clusterctl = { ms: ctl.ms, stdout: ctl.stdout + ctl.stderr };
  runs.lattice = { ms: lat.ms, stdout: lat.stdout };
  for (const ns of [CTL, LAT])
    after[ns] = {
      source: await snapshot(bed.source, bed.types, ns),
      target: await snapshot(bed.target, bed.types, ns),
    };
  console.log(`clusterctl move ${runs.clusterctl.ms} ms, lattice pivot ${runs.lattice.ms} ms`);
});
afterAll(async () => bed?.stop());

/**
 * What lattice's target may carry and clusterctl's not: every copy says which pivot made it and which
 * object it copies; the Cluster also says where it came from and what the whole plan was.
 */
const allowedExtra = (target: readonly KubeObject[]) =>
  [
    ...target.flatMap((o) => [`${kindName(o)} label ${PIVOT.idLabel}`, `${kindName(o)} annotation ${PIVOT.sourceUid}`]),
    `Cluster/edge annotation ${PIVOT.pivotedFrom}`,
    `Cluster/edge annotation ${PIVOT.setDigest}`,
  ].sort();

test("both targets hold the same identities", () => {
  const ids = (ns: string) => after[ns]!.target.map(kindName).sort();
  expect(ids(LAT)).toEqual(ids(CTL));
  expect(ids(LAT).length).toBeGreaterThanOrEqual(60);
});

test("with equal normalised content (spec, labels, annotations, owners as group/kind/name, finalizers, data)", () => {
  expect(mapDiff(normalisedByName(after[LAT]!.target), normalisedByName(after[CTL]!.target))).toEqual({
    onlyA: [],
    onlyB: [],
    differ: [],
  });
});

test("the only label/annotation differences are the listed ones: the copies record where they came from", () => {
  expect(extraMetadataKeys(after[LAT]!.target, after[CTL]!.target)).toEqual(allowedExtra(after[LAT]!.target));
  expect(extraMetadataKeys(after[CTL]!.target, after[LAT]!.target)).toEqual([]);
});

test("no status was copied (controllers rebuild it) by either mover", () => {
  expect(withStatus(after[CTL]!.target)).toEqual([]);
  expect(withStatus(after[LAT]!.target)).toEqual([]);
});

test("both sources keep exactly the same leftovers: what belongs to no Cluster", () => {
  const left = (ns: string) => after[ns]!.source.map(kindName).sort();
  expect(left(LAT)).toEqual(left(CTL));
  expect(left(LAT)).toEqual([...fixtureStays].sort());
});

test("both Clusters are unpaused", () => {
  for (const ns of [CTL, LAT]) {
    const c = after[ns]!.target.find((o) => o.kind === "Cluster")!;
    expect({ ns, paused: (c.spec as { paused?: boolean }).paused }).toEqual({ ns, paused: undefined });
    expect(c.metadata.annotations?.["cluster.x-k8s.io/paused"]).toBeUndefined();
  }
});

test("no mover owns a managedFields entry afterwards", () => {
  expect(moverManagers(after[CTL]!.target)).toEqual([]);
  expect(moverManagers(after[LAT]!.target)).toEqual([]);
});

test("lattice printed one line per phase with the elapsed time, and its journal says Completed", async () => {
  const phases = [...runs.lattice!.stdout.matchAll(/^phase (\w+)\s+(\d+\.\d\d) s$/gm)].map((m) => m[1]);
  expect(phases).toEqual([
    "Preflighted",
    "Paused",
    "Quiesced",
    "Frozen",
    "Copying",
    "Verified",
    "Fenced",
    "Activated",
    "SourceDeleting",
    "Tidy",
    "Completed",
  ]);
  const j = await journal(bed.source, LAT);
  expect(j?.status?.phase).toBe("Completed");
  expect(j?.status?.holder).toBe("");
  // Identities and digests only: nothing of a Secret's data.
  expect(JSON.stringify(j)).not.toContain(Buffer.from("fixture-token").toString("base64"));
});

test("running the completed pivot again converges: exit 0, nothing written", async () => {
  const before = await snapshot(bed.target, bed.types, LAT);
  const again = await latticePivot(bed, LAT);
  expect({ code: again.code, out: again.stdout }).toEqual({ code: 0, out: expect.stringMatching(/already completed/) });
  expect(again.stdout).toMatch(/; 0 writes/);
  const now = await snapshot(bed.target, bed.types, LAT);
  const rv = (o: KubeObject) => (o.metadata as unknown as { resourceVersion: string }).resourceVersion;
  expect(now.map(rv)).toEqual(before.map(rv));
});
