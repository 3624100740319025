// Refusals (issue 14, item 5): each case makes `bin/lattice pivot` exit 3 with a message naming the
// objects, and changes nothing in either cluster (every object and its resourceVersion, and the
// journals, compared before and after). Also: --dry-run prints the plan and writes nothing; a pivot
// past its fence refuses to roll back; one before its fence rolls back to the source as it was.
import type { KubeObject } from "../../../core/k8s/object";
import { LINK_API_VERSION } from "../../../agent/api/types";
import { digestOf } from "../../../core/pivot/normalise";
import { installCrds } from "../../harness/controlplane";
import { loadCrds } from "../../harness/crds";
import {
  type Bed,
  CRD_SETS,
  JOURNAL_NS,
  journal,
  latticePivot,
  SMALL,
  loadInto,
  mover,
  snapshot,
  startBed,
} from "./support/bed";

jest.setTimeout(300_000);

let bed: Bed;
beforeAll(async () => {
  bed = await startBed("refuse");
});
afterAll(async () => bed?.stop());

const rv = (o: KubeObject) =>
  `${o.kind}/${o.metadata.name}@${(o.metadata as unknown as { resourceVersion: string }).resourceVersion}`;

/** Both sides of a namespace, and the journals, as "Kind/name@resourceVersion". */
async function world(ns: string): Promise<string[]> {
  const [s, t, j] = await Promise.all([
    snapshot(bed.source, bed.types, ns),
    snapshot(bed.target, bed.types, ns),
    bed.source.client.list(LINK_API_VERSION, "ClusterPivot", { namespace: JOURNAL_NS }),
  ]);
  return [
    ...s.map((o) => `source ${rv(o)}`),
    ...t.map((o) => `target ${rv(o)}`),
    ...j.map((o) => `journal ${rv(o)}`),
  ].sort();
}

/** Run the CLI expecting a refusal; returns its stderr after checking nothing changed. */
async function refused(ns: string, extra: string[] = []): Promise<string> {
  const before = await world(ns);
  const r = await latticePivot(bed, ns, extra);
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 3, stdout: "" });
  expect(r.stderr).toMatch(/^refused \(/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(await world(ns)).toEqual(before);
  return r.stderr;
}

const patch = async (ns: string, apiVersion: string, kind: string, name: string, body: object, sub = "") => {
  const path = await bed.source.client.pathOf(apiVersion, kind, ns, name);
  await bed.source.client.request("PATCH", path + sub, body, "application/merge-patch+json");
};

test("the source Cluster paused by someone else", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-paused" });
  await patch("r-paused", "cluster.x-k8s.io/v1beta2", "Cluster", "edge", { spec: { paused: true } });
  expect(await refused("r-paused")).toMatch(/paused-by-someone-else.*Cluster r-paused\/edge/);
});

test("an object of the same name in the target that this pivot did not create", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-conflict" });
  await bed.target.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "r-conflict" } });
  await bed.target.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "edge-ca", namespace: "r-conflict" },
    data: { x: "eA==" },
  });
  expect(await refused("r-conflict")).toMatch(/target-conflict.*Secret r-conflict\/edge-ca/);
});

test("an object whose owner does not move (clusterctl would leave it behind silently)", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-owner" });
  const settings = await bed.source.client.get({
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "settings",
    namespace: "r-owner",
  });
  await bed.source.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "edge-extra",
      namespace: "r-owner",
      labels: { "clusterctl.cluster.x-k8s.io/move": "" },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          name: "settings",
          uid: (settings.metadata as unknown as { uid: string }).uid,
        },
      ],
    } as never,
  });
  expect(await refused("r-owner")).toMatch(
    /owner-outside-plan.*Secret r-owner\/edge-extra is owned by ConfigMap r-owner\/settings/,
  );
});

test("a planned object being deleted", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-deleting" });
  // The MachineSet's finalizer keeps it (no controller removes it here): deleting only sets deletionTimestamp.
  await patch("r-deleting", "cluster.x-k8s.io/v1beta2", "MachineSet", "edge-default-5d8f7b9c4", {
    metadata: { finalizers: ["test.lattice.dev/hold"] },
  });
  await bed.source.client.delete({
    apiVersion: "cluster.x-k8s.io/v1beta2",
    kind: "MachineSet",
    name: "edge-default-5d8f7b9c4",
    namespace: "r-deleting",
  });
  expect(await refused("r-deleting")).toMatch(/deleting.*MachineSet r-deleting\/edge-default-5d8f7b9c4/);
});

test("a target without a kind the plan needs", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-crd" });
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "dockermachinetemplates.infrastructure.cluster.x-k8s.io",
  };
  await bed.target.client.delete(crd);
  for (let i = 0; i < 100 && (await bed.target.client.getOrUndefined(crd)); i++)
    await new Promise((r) => setTimeout(r, 100));
  try {
    expect(await refused("r-crd")).toMatch(
      /target-missing-type.*infrastructure\.cluster\.x-k8s\.io\/DockerMachineTemplate/,
    );
  } finally {
    await installCrds(
      bed.target.client,
      loadCrds(CRD_SETS, { clusterctlLabels: true }).filter((c) => c.metadata.name === crd.name),
    );
  }
});

test("--dry-run prints the plan, owners first, and writes nothing", async () => {
  const f = await loadInto(bed.source, { ...SMALL, namespace: "r-dry" });
  const before = await world("r-dry");
  const r = await latticePivot(bed, "r-dry", ["--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    new RegExp(`^plan for namespace r-dry: ${f.objects.length - f.stays.length} objects in 6 groups`),
  );
  const order = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("  "))
    .map((l) => l.trim());
  expect(order.indexOf("Cluster r-dry/edge")).toBeLessThan(order.indexOf("MachineDeployment r-dry/edge-default"));
  expect(order.indexOf("MachineSet r-dry/edge-default-5d8f7b9c4")).toBeLessThan(
    order.indexOf("Machine r-dry/edge-default-5d8f7b9c4-b2n6w"),
  );
  expect(await world("r-dry")).toEqual(before);
});

test("past the fence, --abort refuses: only forward", async () => {
  // Where the journal enters Fenced: the 7th status write of a clean run (Preflighted is the 1st).
  await loadInto(bed.source, { ...SMALL, namespace: "r-probe" });
  const probe = mover(bed, "r-probe");
  await probe.mover.run();
  probe.close();
  const writes = probe.counter.trace.flatMap((t, i) => (/clusterpivots\/r-probe\/status$/.test(t) ? [i + 1] : []));
  const f = await loadInto(bed.source, { ...SMALL, namespace: "r-fenced" });
  const killed = await latticePivot(bed, "r-fenced", [], { LATTICE_PIVOT_FAULT: `after:${writes[6]}:kill` });
  expect(killed.signal).toBe("SIGKILL");
  expect((await journal(bed.source, "r-fenced"))?.status?.phase).toBe("Fenced");
  const r = await latticePivot(bed, "r-fenced", ["--abort"]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({
    code: 1,
    stderr: expect.stringMatching(/past the fence only forward/),
  });
  const done = await latticePivot(bed, "r-fenced");
  expect({ code: done.code, stdout: done.stdout }).toEqual({
    code: 0,
    stdout: expect.stringMatching(new RegExp(`completed: ${f.objects.length - f.stays.length} objects moved`)),
  });
});

test("--abort before the fence: the copies are removed and the source unpaused, as it was", async () => {
  await loadInto(bed.source, { ...SMALL, namespace: "r-abort" });
  const before = await snapshot(bed.source, bed.types, "r-abort");
  // Killed in the middle of copying (the journal's 5th status write enters Copying; 10 writes later
  // some copies exist in the target).
  const probe = mover(bed, "r-abort-probe");
  await loadInto(bed.source, { ...SMALL, namespace: "r-abort-probe" });
  await probe.mover.run();
  probe.close();
  const copying = probe.counter.trace.flatMap((t, i) =>
    /clusterpivots\/r-abort-probe\/status$/.test(t) ? [i + 1] : [],
  )[4]!;
  const killed = await latticePivot(bed, "r-abort", [], { LATTICE_PIVOT_FAULT: `after:${copying + 10}:kill` });
  expect(killed.signal).toBe("SIGKILL");
  expect((await snapshot(bed.target, bed.types, "r-abort")).length).toBeGreaterThan(0);
  const r = await latticePivot(bed, "r-abort", ["--abort"]);
  expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: expect.stringMatching(/rolled back/) });
  expect(await snapshot(bed.target, bed.types, "r-abort")).toEqual([]);
  const after = await snapshot(bed.source, bed.types, "r-abort");
  const cluster = after.find((o) => o.kind === "Cluster")!;
  expect((cluster.spec as { paused?: boolean }).paused).toBeUndefined();
  expect(after.map(digestOf).sort()).toEqual(before.map(digestOf).sort());
  expect((await journal(bed.source, "r-abort"))?.status?.phase).toBe("Aborted");
});
