// Which kinds take part in a move: clusterctl's label (or the provider label) on the CRD, the
// storage version, hierarchy roots and the /move labels; plus Secrets and ConfigMaps always.
import type { KubeObject } from "../k8s/object";
import { discoveryTypes, unlabelledCapiCrds } from "./discovery";

const crd = (
  group: string,
  kind: string,
  labels: Record<string, string>,
  versions = [{ name: "v1beta2", storage: true }],
  scope = "Namespaced",
): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${kind.toLowerCase()}s.${group}`, labels },
  spec: { group, scope, names: { kind, plural: `${kind.toLowerCase()}s` }, versions },
});
const CTL = { "clusterctl.cluster.x-k8s.io": "" };

describe("discoveryTypes", () => {
  const types = discoveryTypes([
    crd("cluster.x-k8s.io", "Cluster", CTL),
    crd("cluster.x-k8s.io", "Machine", CTL, [
      { name: "v1beta1", storage: false },
      { name: "v1beta2", storage: true },
    ]),
    crd("infrastructure.cluster.x-k8s.io", "FooCluster", { "cluster.x-k8s.io/provider": "infrastructure-foo" }),
    crd(
      "infrastructure.cluster.x-k8s.io",
      "FooIdentity",
      { ...CTL, "clusterctl.cluster.x-k8s.io/move-hierarchy": "" },
      undefined,
      "Cluster",
    ),
    crd("infrastructure.cluster.x-k8s.io", "FooCreds", { ...CTL, "clusterctl.cluster.x-k8s.io/move": "" }),
    crd("infrastructure.cluster.x-k8s.io", "OnlyMoveLabel", { "clusterctl.cluster.x-k8s.io/move": "" }),
    crd("example.com", "Unrelated", {}),
  ]);
  const t = (kind: string) => types.find((x) => x.kind === kind);

  it("lists labelled CRDs at their storage version, plus Secret and ConfigMap", () => {
    expect(types.map((x) => `${x.group}/${x.version}/${x.kind}`)).toEqual([
      "cluster.x-k8s.io/v1beta2/Cluster",
      "cluster.x-k8s.io/v1beta2/Machine",
      "infrastructure.cluster.x-k8s.io/v1beta2/FooCluster",
      "infrastructure.cluster.x-k8s.io/v1beta2/FooCreds",
      "infrastructure.cluster.x-k8s.io/v1beta2/FooIdentity",
      "/v1/Secret",
      "/v1/ConfigMap",
    ]);
  });
  it("ignores a CRD carrying only the /move label (a different key than clusterctl's)", () =>
    expect(t("OnlyMoveLabel")).toBeUndefined());
  it("makes Cluster and /move-hierarchy kinds roots, /move kinds force-moved, cluster-scoped kinds global", () => {
    expect([t("Cluster")?.forceMoveHierarchy, t("Cluster")?.forceMove]).toEqual([true, true]);
    expect([t("Machine")?.forceMoveHierarchy, t("Machine")?.forceMove]).toEqual([false, false]);
    expect([t("FooIdentity")?.forceMoveHierarchy, t("FooIdentity")?.namespaced]).toEqual([true, false]);
    expect([t("FooCreds")?.forceMove, t("FooCreds")?.forceMoveHierarchy]).toEqual([true, false]);
  });
  it("names Cluster API CRDs that carry neither label", () => {
    expect(
      unlabelledCapiCrds([
        crd("cluster.x-k8s.io", "Cluster", {}),
        crd("example.com", "X", {}),
        crd("cluster.x-k8s.io", "Machine", CTL),
      ]),
    ).toEqual(["cluster.x-k8s.io/Cluster"]);
  });
});
