// The invariants I1–I6 and verification on snapshots built from the fixture: the states a correct
// pivot passes through hold; each invariant fails on the state it forbids.
import type { KubeObject } from "../k8s/object";
import { TYPES, listedCluster } from "./__support__/listed";
import { checkInvariants, type Violation } from "./invariants";
import type { Phase } from "./journal";
import { renderCopy } from "./copy";
import { keyOf } from "./model";
import { planPivot } from "./plan";
import { verifyCopies, type VerifiableSummary } from "./verify";
import { digestOf, finalizersOf, moverFieldsOf } from "./normalise";

const NS = "clusters";
const { fixture, objects } = listedCluster({ namespace: NS, controlPlanes: 1, workers: 2 });
const r = planPivot({ namespace: NS, types: TYPES, objects });
if (!r.ok) throw new Error("fixture does not plan");
const plan = r.plan.entries;
const isClusterObj = (o: KubeObject) => o.kind === "Cluster";
const uidOf = (o: KubeObject) => (o.metadata as unknown as { uid: string }).uid;
const paused = (o: KubeObject, p = true): KubeObject =>
  isClusterObj(o) ? { ...o, spec: { ...(o.spec as object), paused: p || undefined } } : o;
const fenced = (o: KubeObject): KubeObject =>
  isClusterObj(o)
    ? { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, "lattice.dev/pivoted-to": "t" } } }
    : o;

/** The target as a correct copy step leaves it: copies with target UIDs, Clusters paused. */
function copies(): KubeObject[] {
  const bySrc = new Map(plan.map((e) => [e.sourceUid, e]));
  const planned = new Set(plan.map((e) => `${e.kind}/${e.name}`));
  return objects
    .filter((o) => planned.has(`${o.kind}/${o.metadata.name}`))
    .map((o) => {
      const e = plan.find((p) => p.sourceUid === uidOf(o))!;
      const c = renderCopy(o, e, {
        pivotId: "p1",
        ownerOf: (u) => (bySrc.get(u) ? { entry: bySrc.get(u)!, targetUid: `t-${u}` } : undefined),
        record: { sourceIdentity: "s", setDigest: "x" },
      });
      (c.metadata as unknown as { uid: string }).uid = `t-${uidOf(o)}`;
      return c;
    });
}
const ids = (v: Violation[]) => [...new Set(v.map((x) => x.id))].sort();
const check = (phase: Phase | undefined, source: KubeObject[], target: KubeObject[]) =>
  checkInvariants({ ...(phase ? { phase } : {}), plan, source: { objects: source }, target: { objects: target } });
const stays = objects.filter((o) => fixture.stays.includes(`${o.kind}/${o.metadata.name}`));

describe("the states of a correct pivot hold every invariant", () => {
  it.each<[string, Phase | undefined, () => [KubeObject[], KubeObject[]]]>([
    ["before anything", undefined, () => [objects, []]],
    ["paused", "Paused", () => [objects.map((o) => paused(o)), []]],
    ["copied, both paused", "Copying", () => [objects.map((o) => paused(o)), copies()]],
    ["fenced", "Fenced", () => [objects.map((o) => fenced(paused(o))), copies()]],
    [
      "target active, source fenced",
      "SourceDeleting",
      () => [objects.map((o) => fenced(paused(o))), copies().map((o) => paused(o, false))],
    ],
    [
      "source half deleted (dependents first)",
      "SourceDeleting",
      () => [
        objects
          .map((o) => fenced(paused(o)))
          .filter(
            (o) =>
              !["Secret", "KubeadmConfig", "DockerMachine"].includes(o.kind) ||
              fixture.stays.includes(`${o.kind}/${o.metadata.name}`),
          ),
        copies().map((o) => paused(o, false)),
      ],
    ],
    ["done", "Completed", () => [stays, copies().map((o) => paused(o, false))]],
  ])("%s", (_, phase, world) => {
    const [s, t] = world();
    expect(check(phase, s, t)).toEqual([]);
  });
});

describe("each invariant catches the state it forbids", () => {
  it("I1: both Clusters active", () =>
    expect(
      ids(
        check(
          "Copying",
          objects,
          copies().map((o) => paused(o, false)),
        ),
      ),
    ).toContain("I1"));
  it("I2: the target active before Activated", () =>
    expect(
      ids(
        check(
          "Verified",
          objects.map((o) => paused(o)),
          copies().map((o) => paused(o, false)),
        ),
      ),
    ).toEqual(["I2"]));
  it("I3: fenced phase, source not fenced", () =>
    expect(
      ids(
        check(
          "Fenced",
          objects.map((o) => paused(o)),
          copies(),
        ),
      ),
    ).toEqual(["I3"]));
  it("I4: an object in neither cluster", () =>
    expect(
      ids(
        check(
          "Copying",
          objects.map((o) => paused(o)).filter((o) => o.kind !== "MachineSet"),
          copies().filter((o) => o.kind !== "MachineSet"),
        ),
      ),
    ).toEqual(["I4", "I5"])); // its Machines lost their owner too
  it("I4: a copy that differs and a source gone", () => {
    const t = copies().map((o) =>
      o.kind === "MachineSet" ? { ...o, spec: { ...(o.spec as object), replicas: 99 } } : o,
    );
    expect(
      ids(
        check(
          "SourceDeleting",
          stays,
          t.map((o) => paused(o, false)),
        ),
      ),
    ).toContain("I4");
  });
  it("I5: a dangling owner UID", () => {
    const t = copies().filter((o) => o.kind !== "KubeadmControlPlane");
    expect(
      ids(
        check(
          "Copying",
          objects.map((o) => paused(o)),
          t,
        ),
      ),
    ).toContain("I5");
  });
  it("I6: an unplanned object with the pivot's label, and a changed Machine set on the active side", () => {
    const stray = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "stray", namespace: NS, uid: "x", labels: { "lattice.dev/pivot-id": "p1" } },
    } as KubeObject;
    expect(
      ids(
        check(
          "Copying",
          objects.map((o) => paused(o)),
          [...copies(), stray],
        ),
      ),
    ).toEqual(["I6"]);
    const extra = {
      ...copies().find((o) => o.kind === "Machine")!,
      metadata: { name: "new-machine", namespace: NS, uid: "new" },
    } as KubeObject;
    expect(ids(check("Completed", stays, [...copies().map((o) => paused(o, false)), extra]))).toEqual(["I6"]);
  });
});

describe("verifyCopies", () => {
  const summaries = (target: KubeObject[]): Map<string, VerifiableSummary> =>
    new Map(
      target.map((o) => [
        keyOf({
          group: o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "",
          kind: o.kind,
          namespace: o.metadata.namespace!,
          name: o.metadata.name,
        }),
        {
          key: "",
          uid: uidOf(o),
          pivotId: o.metadata.labels?.["lattice.dev/pivot-id"],
          sourceUid: o.metadata.annotations?.["lattice.dev/pivot-source-uid"],
          digest: digestOf(o),
          deleting: false,
          danglingOwners: 0,
          finalizers: finalizersOf(o),
          moverFields: moverFieldsOf(o),
          ...(o.kind === "Cluster" ? { paused: (o.spec as { paused?: boolean }).paused === true } : {}),
        } as VerifiableSummary,
      ]),
    );
  const source = new Map(
    objects.map((o) => [
      keyOf({
        group: o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "",
        kind: o.kind,
        namespace: NS,
        name: o.metadata.name,
      }),
      paused(o),
    ]),
  );

  it("passes the copies a correct copy step leaves", () => {
    expect(verifyCopies(plan, summaries(copies()), source, "p1", 0)).toEqual({
      target: [],
      source: [],
      fieldsOnly: [],
    });
  });
  it("names a missing copy, a changed copy, an unpaused Cluster, lost finalizers, strays", () => {
    const t = copies()
      .filter((o) => o.kind !== "DockerCluster")
      .map((o) => (o.kind === "MachineSet" ? { ...o, spec: {} } : o))
      .map((o) => paused(o, false))
      .map((o) => (o.kind === "Machine" ? { ...o, metadata: { ...o.metadata, finalizers: [] } as never } : o));
    const v = verifyCopies(plan, summaries(t), source, "p1", 2);
    expect(v.target.join("\n")).toMatch(/DockerCluster clusters\/edge: no copy/);
    expect(v.target.join("\n")).toMatch(/MachineSet .*: differs from the source/);
    expect(v.target.join("\n")).toMatch(/Cluster clusters\/edge: copy is not paused/);
    expect(v.target.join("\n")).toMatch(/Machine .*: finalizers missing/);
    expect(v.target.join("\n")).toMatch(/2 stray copies/);
  });
  it("names source objects changed since the freeze, and copies that need only their managedFields", () => {
    const changedSource = new Map(
      [...source].map(([k, o]) => [k, o.kind === "MachineDeployment" ? { ...o, spec: {} } : o]),
    );
    expect(verifyCopies(plan, summaries(copies()), changedSource, "p1", 0).source).toEqual([
      "MachineDeployment clusters/edge-default changed",
    ]);
    const s = summaries(copies());
    const k = [...s.keys()].find((x) => x.includes("/MachineSet/"))!;
    s.set(k, { ...s.get(k)!, moverFields: '[{"manager":"lattice-pivot"}]' });
    expect(verifyCopies(plan, s, source, "p1", 0).fieldsOnly).toEqual([k]);
  });
});
