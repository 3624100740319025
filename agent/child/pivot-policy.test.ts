import { decidePivotCopy, decidePivotKind, decidePivotListKind, decidePivotTouch } from "./pivot-policy";
import { pivotRules, pivotReadRules, renderAgentRbac } from "../deploy/rbac";

const policy = { cluster: "c1", capiNamespace: "capi-c1", agentNamespace: "lattice-system" };
const ID = "0123456789abcdef";
const obj = (
  apiVersion: string,
  kind: string,
  o: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
) => ({
  apiVersion,
  kind,
  metadata: {
    name: "x",
    namespace: o.namespace ?? "capi-c1",
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.annotations ? { annotations: o.annotations } : {}),
  },
});
const mine = { "cluster.x-k8s.io/cluster-name": "c1" };
const marks = { labels: { "lattice.dev/pivot-id": ID }, annotations: { "lattice.dev/pivot-source-uid": "u1" } };

describe("pivot policy: kinds", () => {
  it("admits the cluster's own ConfigMaps and nothing else of that kind", () => {
    expect(decidePivotKind(obj("v1", "ConfigMap", { labels: mine }), policy)).toEqual({ allowed: true });
    expect(decidePivotKind(obj("v1", "ConfigMap"), policy)).toMatchObject({ allowed: false, reason: /own ConfigMaps/ });
    expect(
      decidePivotKind(obj("v1", "ConfigMap", { labels: { "cluster.x-k8s.io/cluster-name": "c2" } }), policy),
    ).toMatchObject({ allowed: false });
    expect(decidePivotKind(obj("v1", "ConfigMap", { namespace: "kube-system", labels: mine }), policy)).toMatchObject({
      allowed: false,
      reason: /Cluster API namespace/,
    });
  });

  it("keeps the link policy for everything else (CAPI objects, the cluster's Secrets; no workloads)", () => {
    expect(decidePivotKind(obj("cluster.x-k8s.io/v1beta2", "Cluster"), policy)).toEqual({ allowed: true });
    expect(decidePivotKind(obj("v1", "Secret", { labels: mine }), policy)).toEqual({ allowed: true });
    expect(decidePivotKind(obj("v1", "Secret"), policy)).toMatchObject({ allowed: false });
    expect(decidePivotKind(obj("apps/v1", "Deployment"), policy)).toMatchObject({ allowed: false });
  });

  it("lists Cluster API kinds, Secrets and ConfigMaps only", () => {
    expect(decidePivotListKind("cluster.x-k8s.io/v1beta2", "Machine")).toEqual({ allowed: true });
    expect(decidePivotListKind("v1", "Secret")).toEqual({ allowed: true });
    expect(decidePivotListKind("v1", "ConfigMap")).toEqual({ allowed: true });
    expect(decidePivotListKind("v1", "Pod")).toMatchObject({ allowed: false });
    expect(decidePivotListKind("apps/v1", "Deployment")).toMatchObject({ allowed: false });
  });
});

describe("pivot policy: copies carry the pivot's id", () => {
  it("imports a copy with this pivot's id and a source UID", () => {
    expect(decidePivotCopy(obj("cluster.x-k8s.io/v1beta2", "Machine", marks), policy, ID)).toEqual({ allowed: true });
  });

  it.each([
    ["no pivot id", obj("cluster.x-k8s.io/v1beta2", "Machine", { annotations: marks.annotations }), ID, /must carry/],
    [
      "another pivot's id",
      obj("cluster.x-k8s.io/v1beta2", "Machine", { ...marks, labels: { "lattice.dev/pivot-id": "ffffffffffffffff" } }),
      ID,
      /must carry/,
    ],
    ["no source UID", obj("cluster.x-k8s.io/v1beta2", "Machine", { labels: marks.labels }), ID, /source-uid/],
    ["a command naming no pivot", obj("cluster.x-k8s.io/v1beta2", "Machine", marks), "", /names no pivot/],
    ["a Secret of another cluster", obj("v1", "Secret", { ...marks }), ID, /own Secrets/],
  ])("refuses %s", (_what, o, id, reason) => {
    expect(decidePivotCopy(o, policy, id)).toMatchObject({ allowed: false, reason });
  });

  it("touches (activate, remove) only a LIVE object carrying this pivot's id, and a Secret by its live labels", () => {
    expect(decidePivotTouch(obj("cluster.x-k8s.io/v1beta2", "Cluster", marks), policy, ID)).toEqual({ allowed: true });
    expect(decidePivotTouch(obj("cluster.x-k8s.io/v1beta2", "Cluster"), policy, ID)).toMatchObject({
      allowed: false,
      reason: /not a copy of this pivot/,
    });
    expect(decidePivotTouch(obj("cluster.x-k8s.io/v1beta2", "Cluster", marks), policy, "")).toMatchObject({
      allowed: false,
    });
    // A Secret carrying the id but whose live labels name no cluster: refused by kind.
    expect(decidePivotTouch(obj("v1", "Secret", marks), policy, ID)).toMatchObject({ allowed: false });
    expect(
      decidePivotTouch(obj("v1", "Secret", { ...marks, labels: { ...marks.labels, ...mine } }), policy, ID),
    ).toEqual({ allowed: true });
  });
});

describe("pivot RBAC", () => {
  it("deletes only in the CAPI namespace's Role, reads the identity and CRDs by get only", () => {
    const objs = renderAgentRbac("lattice-agent", "capi-c1") as unknown as {
      kind: string;
      metadata: { name: string; namespace?: string };
      rules?: { verbs: string[]; resources: string[] }[];
    }[];
    const withDelete = objs.filter((o) => o.rules?.some((r) => r.verbs.includes("delete")));
    expect(withDelete.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "Role capi-c1/lattice-agent-capi",
    ]);
    expect(pivotRules().flatMap((r) => r.verbs)).not.toContain("*");
    expect(pivotReadRules()).toEqual([
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get"], resourceNames: ["kube-system"] },
      { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get"] },
    ]);
  });
});
