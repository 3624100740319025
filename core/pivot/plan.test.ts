// The plan against clusterctl v1.14.2's rules on the issue-14 fixture (golden), and the rules one by
// one on small graphs: soft ownership, force-move labels, per-cluster scope, global objects,
// should-not-delete, the refusals, and order independence.
import fc from "fast-check";
import type { KubeObject } from "../k8s/object";
import { expectGolden } from "../testing/fixtures";
import { TYPES, listedCluster, uidFor } from "./__support__/listed";
import { formatPlan } from "./format";
import { keyOf, type PlanEntry } from "./model";
import { planPivot, type PlanInput } from "./plan";

const NS = "clusters";
const { fixture, objects } = listedCluster({ namespace: NS });
const base: PlanInput = { namespace: NS, types: TYPES, objects };

function plan(input: Partial<PlanInput> = {}) {
  const r = planPivot({ ...base, ...input });
  if (!r.ok) throw new Error(r.refusals.map((x) => x.message).join("\n"));
  return r;
}
const refusals = (input: Partial<PlanInput>) => {
  const r = planPivot({ ...base, ...input });
  if (r.ok) throw new Error("expected a refusal");
  return r.refusals;
};
const names = (entries: readonly PlanEntry[]) => entries.map((e) => `${e.kind}/${e.name}`);
const edit = (objs: readonly KubeObject[], key: string, f: (o: KubeObject) => void) =>
  objs.map((o) => {
    if (`${o.kind}/${o.metadata.name}` !== key) return o;
    const c = structuredClone(o);
    f(c);
    return c;
  });

describe("the fixture's plan", () => {
  const r = plan();

  it("matches the golden plan (objects in order)", () => {
    expectGolden("core/pivot/__golden__/fixture-plan.txt", formatPlan(r.plan, r.left));
  });

  it("moves everything of the cluster and nothing else", () => {
    const moved = new Set(names(r.plan.entries));
    const all = fixture.objects.map((f) => `${f.object.kind}/${f.object.metadata.name}`);
    expect(all.filter((k) => !moved.has(k)).sort()).toEqual([...fixture.stays].sort());
    expect(r.plan.entries).toHaveLength(all.length - fixture.stays.length);
  });

  it("takes the soft-owned Secrets (no ownerReferences, named <cluster>-<purpose>) with the Cluster", () => {
    const entries = r.plan.entries;
    for (const p of ["ca", "etcd", "sa", "proxy"]) expect(entries.find((e) => e.name === `edge-${p}`)?.order).toBe(1); // right after the Cluster
    expect(names(entries)).not.toContain("Secret/other-kubeconfig"); // no Cluster "other"
  });

  it("takes what is labelled clusterctl.cluster.x-k8s.io/move, in the first group", () => {
    for (const n of ["Secret/edge-lattice-bootstrap", "ConfigMap/edge-haproxy"])
      expect(r.plan.entries.find((e) => `${e.kind}/${e.name}` === n)?.order).toBe(0);
  });

  it("places every owner in an earlier group than what it owns", () => {
    const order = new Map(r.plan.entries.map((e) => [e.sourceUid, e.order]));
    for (const o of objects) {
      const mine = order.get((o.metadata as unknown as { uid: string }).uid);
      if (mine === undefined) continue;
      for (const ref of (o.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences ?? [])
        expect(order.get(ref.uid)).toBeLessThan(mine);
    }
  });

  it("is the same plan whatever the order objects were listed in", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(objects, { minLength: objects.length }), (shuffled) => {
        const p = plan({ objects: shuffled });
        expect(p.plan.setDigest).toBe(r.plan.setDigest);
        expect(names(p.plan.entries)).toEqual(names(r.plan.entries));
      }),
      { numRuns: 25 },
    );
  });
});

describe("scope", () => {
  // Two clusters in one namespace (edge and west), plus force-moved objects of each and of neither.
  const west = listedCluster({ namespace: NS, cluster: "west", controlPlanes: 1, workers: 1 }).objects.filter(
    (o) =>
      !["Secret/unrelated", "Secret/other-kubeconfig", "ConfigMap/settings"].includes(`${o.kind}/${o.metadata.name}`),
  );
  const loose: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "loose",
      namespace: NS,
      uid: "uid-loose",
      labels: { "clusterctl.cluster.x-k8s.io/move": "" },
    } as never,
  };
  const both = [...objects, ...west, loose];

  it("the namespace moves both clusters and every force-moved object", () => {
    const r = plan({ objects: both });
    expect(names(r.plan.entries)).toEqual(expect.arrayContaining(["Cluster/edge", "Cluster/west", "ConfigMap/loose"]));
  });

  it("--cluster moves one Cluster's hierarchy and its labelled force-moved objects, nothing of the other", () => {
    const r = plan({ objects: both, cluster: "west" });
    const moved = names(r.plan.entries);
    expect(moved).toContain("Secret/west-lattice-bootstrap");
    expect(moved).toContain("Secret/west-ca");
    expect(moved.filter((n) => n.includes("edge") || n === "ConfigMap/loose")).toEqual([]);
    expect(r.left).toContain("Cluster clusters/edge");
  });

  it("--cluster refuses a Cluster that is not there", () => {
    expect(refusals({ cluster: "nope" }).map((x) => x.reason)).toEqual(["cluster-not-found"]);
  });
});

describe("clusterctl's special cases", () => {
  it("a Secret named for a Cluster's purpose but with an owner of its own is not soft-owned", () => {
    const objs = edit(objects, "Secret/edge-sa", (o) => {
      (o.metadata as unknown as Record<string, unknown>).ownerReferences = [
        { apiVersion: "v1", kind: "ServiceAccount", name: "x", uid: "uid-x" },
      ];
    });
    const r = plan({ objects: objs });
    expect(names(r.plan.entries)).not.toContain("Secret/edge-sa");
  });

  it("a cluster-scoped root and what it owns are global: copied if absent, never deleted", () => {
    const identityType = {
      group: "infrastructure.cluster.x-k8s.io",
      version: "v1beta2",
      kind: "AWSClusterStaticIdentity",
      plural: "awsclusterstaticidentities",
      namespaced: false,
      forceMove: true,
      forceMoveHierarchy: true,
    };
    const identity: KubeObject = {
      apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2",
      kind: "AWSClusterStaticIdentity",
      metadata: { name: "default", uid: "uid-identity" } as never,
    };
    const cred: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "aws-creds",
        namespace: NS,
        uid: "uid-cred",
        ownerReferences: [
          { apiVersion: identity.apiVersion, kind: identity.kind, name: "default", uid: "uid-identity" },
        ],
      } as never,
    };
    const r = plan({ types: [...TYPES, identityType], objects: [...objects, identity, cred] });
    const e = (n: string) => r.plan.entries.find((x) => x.name === n)!;
    expect([e("default").global, e("default").deleteFromSource]).toEqual([true, false]);
    expect([e("aws-creds").global, e("aws-creds").deleteFromSource]).toEqual([true, false]);
    expect(e("edge").deleteFromSource).toBe(true);
  });

  it("a ClusterClass of another namespace moves with the Cluster using it, but is not deleted", () => {
    const cc: KubeObject = {
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "ClusterClass",
      metadata: { name: "shared", namespace: "classes", uid: "uid-cc" } as never,
    };
    const objs = edit(objects, "Cluster/edge", (c) => {
      (c.spec as Record<string, unknown>).topology = {
        classRef: { name: "shared", namespace: "classes" },
        version: "v1.36.3",
      };
    });
    const r = plan({ objects: [...objs, cc] });
    const ccEntry = r.plan.entries.find((x) => x.kind === "ClusterClass")!;
    expect([ccEntry.order, ccEntry.deleteFromSource]).toEqual([0, false]);
    expect(r.plan.entries.find((x) => x.kind === "Cluster")!.order).toBe(1); // soft-owned by its class
  });

  it("a ClusterClass of the namespace that a Cluster elsewhere uses is kept in the source", () => {
    const cc: KubeObject = {
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "ClusterClass",
      metadata: { name: "mine", namespace: NS, uid: "uid-cc2" } as never,
    };
    const elsewhere: KubeObject = {
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      metadata: { name: "far", namespace: "other" } as never,
      spec: { topology: { classRef: { name: "mine", namespace: NS } } },
    };
    const r = plan({ objects: [...objects, cc], allClusters: [elsewhere] });
    expect(r.plan.entries.find((x) => x.kind === "ClusterClass")!.deleteFromSource).toBe(false);
  });
});

describe("refusals", () => {
  it("an object whose owner does not move (clusterctl skips it silently)", () => {
    const objs = edit(objects, "Secret/edge-ca", (o) => {
      (o.metadata as unknown as Record<string, unknown>).ownerReferences = [
        { apiVersion: "v1", kind: "ServiceAccount", name: "someone", uid: "uid-sa" },
      ];
    });
    // edge-ca has an owner now, so it is no longer soft-owned; make it move by label to see the refusal.
    const labelled = edit(objs, "Secret/edge-ca", (o) => {
      o.metadata.labels = { ...o.metadata.labels, "clusterctl.cluster.x-k8s.io/move": "" };
    });
    const r = refusals({ objects: labelled });
    expect(r.map((x) => x.reason)).toEqual(["owner-outside-plan"]);
    expect(r[0]!.message).toContain("Secret clusters/edge-ca is owned by ServiceAccount someone");
  });

  it("a planned object being deleted", () => {
    const objs = edit(objects, "MachineSet/edge-default-5d8f7b9c4", (o) => {
      (o.metadata as unknown as Record<string, unknown>).deletionTimestamp = "2026-12-01T00:00:00Z";
    });
    const r = refusals({ objects: objs });
    expect(r.map((x) => x.reason)).toEqual(["deleting"]);
    expect(r[0]!.objects).toEqual(["cluster.x-k8s.io/MachineSet/clusters/edge-default-5d8f7b9c4"]);
  });

  it("a Cluster paused by someone else, but not one this pivot paused", () => {
    const objs = edit(objects, "Cluster/edge", (o) => {
      (o.spec as Record<string, unknown>).paused = true;
    });
    expect(refusals({ objects: objs }).map((x) => x.reason)).toEqual(["paused-by-someone-else"]);
    const annotated = edit(objects, "Cluster/edge", (o) => {
      o.metadata.annotations = { "cluster.x-k8s.io/paused": "" };
    });
    expect(refusals({ objects: annotated }).map((x) => x.reason)).toEqual(["paused-by-someone-else"]);
    const key = keyOf({ group: "cluster.x-k8s.io", kind: "Cluster", namespace: NS, name: "edge" });
    expect(planPivot({ ...base, objects: objs, pausedByUs: new Set([key]) }).ok).toBe(true);
  });

  it("a cluster still provisioning (clusterctl's checkProvisioningCompleted)", () => {
    const objs = edit(objects, "Machine/edge-control-plane-7xk2p", (o) => {
      delete (o.status as Record<string, unknown>).nodeRef;
    });
    const r = refusals({ objects: objs });
    expect(r.map((x) => x.reason)).toEqual(["not-provisioned"]);
    expect(r[0]!.message).toContain("Machine clusters/edge-control-plane-7xk2p: no node yet");
    expect(planPivot({ ...base, objects: objs, skipProvisioningCheck: true }).ok).toBe(true);
  });

  it("an ownership cycle", () => {
    const a: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "a",
        namespace: NS,
        uid: "uid-a",
        labels: { "clusterctl.cluster.x-k8s.io/move": "" },
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "b", uid: "uid-b" }],
      } as never,
    };
    const b: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "b",
        namespace: NS,
        uid: "uid-b",
        labels: { "clusterctl.cluster.x-k8s.io/move": "" },
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "a", uid: "uid-a" }],
      } as never,
    };
    expect(refusals({ objects: [...objects, a, b] }).map((x) => x.reason)).toEqual(["ownership-cycle"]);
  });

  it("nothing to move: an empty namespace", () => {
    expect(refusals({ objects: [] }).map((x) => x.reason)).toEqual(["nothing-to-move"]);
  });

  it("CRDs without clusterctl's labels: the Cluster is not discovered, so nothing moves without it", () => {
    const coreOnly = TYPES.filter((t) => t.group === ""); // only Secrets and ConfigMaps discovered
    const secretsOnly = objects.filter((o) => o.apiVersion === "v1");
    const cluster = objects.find((o) => o.kind === "Cluster")!;
    // The /move-labelled Secret and ConfigMap alone would move (clusterctl would move just them).
    expect(planPivot({ ...base, types: coreOnly, objects: secretsOnly }).ok).toBe(true);
    const r = refusals({ types: coreOnly, objects: secretsOnly, allClusters: [cluster] });
    expect(r.map((x) => x.reason)).toEqual(["unlabelled-types"]);
    expect(r[0]!.message).toContain("Cluster clusters/edge exists but was not discovered");
  });

  it("uses deterministic UIDs in the support module (sanity of the test data)", () => {
    expect(uidFor(NS, "Cluster/edge")).toBe("uid-clusters-Cluster-edge");
  });
});
