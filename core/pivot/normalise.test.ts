// What counts as "the same object" across a pivot: server fields, status, the mover's marks,
// finalizers, ownerReference UIDs/versions/order and a Cluster's spec.paused do not; spec, labels,
// annotations and Secret data do.
import fc from "fast-check";
import type { KubeObject } from "../k8s/object";
import { canonicalJson, digestOf, moverFieldsOf, normalise, setDigest } from "./normalise";

const machine = (): KubeObject => ({
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Machine",
  metadata: {
    name: "m-1",
    namespace: "ns",
    labels: { a: "1" },
    annotations: { note: "x" },
    uid: "u1",
    resourceVersion: "7",
    creationTimestamp: "2026-01-01T00:00:00Z",
    generation: 3,
    finalizers: ["machine.cluster.x-k8s.io"],
    managedFields: [{ manager: "m" }],
    ownerReferences: [
      { apiVersion: "cluster.x-k8s.io/v1beta1", kind: "MachineSet", name: "ms", uid: "u-ms", controller: true },
      { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster", name: "c", uid: "u-c" },
    ],
  } as never,
  spec: { clusterName: "c", version: "v1.36.3" },
  status: { phase: "Running" },
});

const changed = (f: (o: KubeObject & Record<string, never>) => void): string => {
  const o = machine() as KubeObject & Record<string, never>;
  f(o);
  return digestOf(o);
};
const meta = (o: KubeObject) => o.metadata as unknown as Record<string, unknown>;

describe("digestOf", () => {
  const base = digestOf(machine());

  it.each<[string, (o: KubeObject) => void]>([
    [
      "uid, resourceVersion, creationTimestamp, generation",
      (o) => Object.assign(meta(o), { uid: "u2", resourceVersion: "9", creationTimestamp: "x", generation: 9 }),
    ],
    ["managedFields", (o) => (meta(o).managedFields = [])],
    ["status", (o) => delete (o as Record<string, unknown>).status],
    ["finalizers (the target's controllers may add theirs)", (o) => (meta(o).finalizers = ["other"])],
    [
      "the mover's label and annotations",
      (o) => {
        o.metadata.labels = { ...o.metadata.labels, "lattice.dev/pivot-id": "p" };
        o.metadata.annotations = {
          ...o.metadata.annotations,
          "lattice.dev/pivot-source-uid": "u",
          "lattice.dev/pivoted-from": "s",
        };
      },
    ],
    [
      "clusterctl's delete-for-move annotation",
      (o) =>
        (o.metadata.annotations = { ...o.metadata.annotations, "clusterctl.cluster.x-k8s.io/delete-for-move": "" }),
    ],
    [
      "ownerReference UIDs, versions and order",
      (o) => {
        const refs = meta(o).ownerReferences as Record<string, unknown>[];
        meta(o).ownerReferences = [
          { ...refs[1], uid: "new" },
          { ...refs[0], apiVersion: "cluster.x-k8s.io/v1beta2", uid: "new2" },
        ];
      },
    ],
    ["deletionTimestamp", (o) => (meta(o).deletionTimestamp = "2026-01-01T00:00:00Z")],
  ])("ignores %s", (_, f) => expect(changed(f)).toBe(base));

  it.each<[string, (o: KubeObject) => void]>([
    ["spec", (o) => ((o.spec as Record<string, unknown>).version = "v1.36.4")],
    ["a label", (o) => (o.metadata.labels = { a: "2" })],
    ["an annotation", (o) => (o.metadata.annotations = {})],
    [
      "an owner's controller flag",
      (o) => ((meta(o).ownerReferences as { controller?: boolean }[])[0]!.controller = false),
    ],
    ["an owner's name", (o) => ((meta(o).ownerReferences as { name: string }[])[1]!.name = "d")],
  ])("sees %s", (_, f) => expect(changed(f)).not.toBe(base));

  it("ignores a Cluster's spec.paused (it differs by phase) but not another kind's", () => {
    const cluster = (paused?: boolean): KubeObject => ({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      metadata: { name: "c", namespace: "ns" },
      spec: { ...(paused !== undefined ? { paused } : {}), controlPlaneRef: { name: "cp" } },
    });
    expect(digestOf(cluster(true))).toBe(digestOf(cluster()));
    expect(digestOf({ ...cluster(true), kind: "Other" })).not.toBe(digestOf({ ...cluster(), kind: "Other" }));
  });

  it("hashes Secret data, and the normalised form holds no more than the object did", () => {
    const secret = (v: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "ns" },
      type: "Opaque",
      data: { k: v },
    });
    expect(digestOf(secret("YQ=="))).not.toBe(digestOf(secret("Yg==")));
    expect(digestOf(secret("YQ=="))).toMatch(/^[0-9a-f]{64}$/);
    expect(normalise(secret("YQ=="))).toEqual({
      group: "",
      kind: "Secret",
      type: "Opaque",
      data: { k: "YQ==" },
      metadata: { name: "s", namespace: "ns" },
    });
  });

  it("does not change its input", () => {
    const o = machine();
    const before = JSON.stringify(o);
    digestOf(o);
    expect(JSON.stringify(o)).toBe(before);
  });
});

describe("canonicalJson and setDigest", () => {
  it("is independent of key order at every level", () => {
    fc.assert(
      fc.property(fc.object(), (o) => {
        const reversed = JSON.parse(JSON.stringify(o), (_k, v) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        );
        expect(canonicalJson(reversed)).toBe(canonicalJson(o));
      }),
    );
  });

  it("setDigest is independent of entry order and sees any digest change", () => {
    const a = { key: "a", digest: "1" };
    const b = { key: "b", digest: "2" };
    expect(setDigest([a, b])).toBe(setDigest([b, a]));
    expect(setDigest([a, b])).not.toBe(setDigest([a, { ...b, digest: "3" }]));
  });
});

describe("moverFieldsOf", () => {
  it("is the lattice-pivot entries without their times", () => {
    const withFields = (entries: object[]): KubeObject => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", managedFields: entries } as never,
    });
    const mine = { manager: "lattice-pivot", operation: "Update", fieldsV1: { "f:data": {} } };
    expect(moverFieldsOf(withFields([{ manager: "other" }]))).toBe("[]");
    expect(moverFieldsOf(withFields([{ ...mine, time: "1" }]))).toBe(
      moverFieldsOf(withFields([{ ...mine, time: "2" }, { manager: "x" }])),
    );
    expect(moverFieldsOf(withFields([mine]))).not.toBe("[]");
  });
});
