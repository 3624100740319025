// The body a copy is created with, and what the mover decides about an object the target holds.
import type { KubeObject } from "../k8s/object";
import { MissingOwnerError, renderCopy } from "./copy";
import type { PlanEntry } from "./model";
import { digestOf } from "./normalise";
import { decideCopy, targetRefusals, type TargetObjectSummary } from "./target";

const entry = (kind: string, name: string, extra: Partial<PlanEntry> = {}): PlanEntry => ({
  group: kind === "Secret" ? "" : "cluster.x-k8s.io",
  kind,
  namespace: "ns",
  name,
  apiVersion: kind === "Secret" ? "v1" : "cluster.x-k8s.io/v1beta2",
  sourceUid: `src-${name}`,
  digest: "d",
  order: 0,
  deleteFromSource: true,
  global: false,
  ...extra,
});
const ms = entry("MachineSet", "ms");
const source: KubeObject = {
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Machine",
  metadata: {
    name: "m-1",
    generateName: "m-",
    namespace: "ns",
    uid: "src-m-1",
    resourceVersion: "9",
    creationTimestamp: "t",
    generation: 2,
    managedFields: [{ manager: "capi" }],
    labels: { a: "1" },
    finalizers: ["machine.cluster.x-k8s.io"],
    ownerReferences: [
      {
        apiVersion: "cluster.x-k8s.io/v1beta1",
        kind: "MachineSet",
        name: "ms",
        uid: "src-ms",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  } as never,
  spec: { clusterName: "c" },
  status: { phase: "Running" },
};
const ctx = {
  pivotId: "abc123def456",
  ownerOf: (uid: string) => (uid === "src-ms" ? { entry: ms, targetUid: "tgt-ms" } : undefined),
  record: { sourceIdentity: "src-cluster", setDigest: "set" },
};

describe("renderCopy", () => {
  const copy = renderCopy(source, entry("Machine", "m-1"), ctx);
  const meta = copy.metadata as unknown as Record<string, unknown>;

  it("drops what the server assigns and the status (controllers rebuild it)", () => {
    for (const f of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"])
      expect(meta[f]).toBeUndefined();
    expect(copy.status).toBeUndefined();
  });

  it("clears generateName when the name is set (kubernetes#32220)", () => expect(meta.generateName).toBeUndefined());

  it("rebuilds ownerReferences from the owner's identity and its UID in the target", () => {
    expect(meta.ownerReferences).toEqual([
      {
        apiVersion: "cluster.x-k8s.io/v1beta2",
        kind: "MachineSet",
        name: "ms",
        uid: "tgt-ms",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it("copies labels, finalizers and spec, and marks the copy with the pivot and its source", () => {
    expect(copy.metadata.labels).toEqual({ a: "1", "lattice.dev/pivot-id": "abc123def456" });
    expect(copy.metadata.annotations).toEqual({ "lattice.dev/pivot-source-uid": "src-m-1" });
    expect(meta.finalizers).toEqual(["machine.cluster.x-k8s.io"]);
    expect(copy.spec).toEqual({ clusterName: "c" });
  });

  it("has the source's digest (what verification compares)", () => expect(digestOf(copy)).toBe(digestOf(source)));

  it("keeps a copied Cluster paused and records where it came from", () => {
    const cluster: KubeObject = {
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      metadata: { name: "c", namespace: "ns", uid: "src-c", annotations: { "lattice.dev/pivoted-to": "x" } } as never,
      spec: { paused: false, topology: undefined },
    };
    const c = renderCopy(cluster, entry("Cluster", "c"), ctx);
    expect((c.spec as { paused: boolean }).paused).toBe(true);
    expect(c.metadata.annotations).toEqual({
      "lattice.dev/pivot-source-uid": "src-c",
      "lattice.dev/pivoted-from": "src-cluster",
      "lattice.dev/pivot-set-digest": "set",
    });
  });

  it("refuses to render an object whose owner has no copy yet", () => {
    expect(() => renderCopy(source, entry("Machine", "m-1"), { ...ctx, ownerOf: () => undefined })).toThrow(
      MissingOwnerError,
    );
  });

  it("does not change the source object", () => {
    expect((source.metadata as unknown as { uid: string }).uid).toBe("src-m-1");
    expect(source.status).toEqual({ phase: "Running" });
  });
});

describe("decideCopy", () => {
  const e = entry("Machine", "m-1", { digest: "D" });
  const t = (over: Partial<TargetObjectSummary>): TargetObjectSummary => ({
    key: "k",
    uid: "t",
    pivotId: "p1",
    sourceUid: "src-m-1",
    digest: "D",
    deleting: false,
    ...over,
  });
  it.each<[string, TargetObjectSummary | undefined, PlanEntry, string]>([
    ["absent → create", undefined, e, "create"],
    ["this pivot's copy, same digest → unchanged", t({}), e, "unchanged"],
    ["this pivot's copy, other digest → update", t({ digest: "X" }), e, "update"],
    ["another pivot's copy → conflict", t({ pivotId: "p2" }), e, "conflict"],
    ["a copy of another source object → conflict", t({ sourceUid: "other" }), e, "conflict"],
    ["an object without marks → conflict", t({ pivotId: undefined, sourceUid: undefined } as never), e, "conflict"],
    ["our copy being deleted → conflict", t({ deleting: true }), e, "conflict"],
    [
      "a global object present → keep it (clusterctl: copy only if absent)",
      t({ pivotId: undefined } as never),
      { ...e, global: true },
      "keep-global",
    ],
  ])("%s", (_, existing, en, want) => expect(decideCopy(en, existing, "p1")).toBe(want));
});

describe("targetRefusals", () => {
  const plan = { namespace: "ns", entries: [entry("Machine", "m-1"), entry("Secret", "s")], groups: 1, setDigest: "x" };
  it("names kinds the target does not serve at the same storage version", () => {
    const [r] = targetRefusals(plan, new Map([["cluster.x-k8s.io/Machine", "v1beta1"]]), new Map());
    expect(r?.reason).toBe("target-missing-type");
    expect(r?.message).toContain("cluster.x-k8s.io/Machine is stored as v1beta1 there, v1beta2 here");
    expect(targetRefusals(plan, new Map(), new Map())[0]?.message).toContain("is not served");
    expect(targetRefusals(plan, new Map([["cluster.x-k8s.io/Machine", "v1beta2"]]), new Map())).toEqual([]);
  });
  it("names objects of planned identities this pivot did not create", () => {
    const existing = new Map([["/Secret/ns/s", { key: "/Secret/ns/s", uid: "x", digest: "d", deleting: false }]]);
    const r = targetRefusals(plan, new Map([["cluster.x-k8s.io/Machine", "v1beta2"]]), existing);
    expect(r.map((x) => [x.reason, x.objects])).toEqual([["target-conflict", ["/Secret/ns/s"]]]);
    expect(r[0]!.message).toContain("Secret ns/s");
  });
});
