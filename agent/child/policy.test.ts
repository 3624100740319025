import fc from "fast-check";
import { CAPI_API_GROUPS, decide, groupOf, isCapiGroup } from "./policy";

const policy = { cluster: "c1", capiNamespace: "capi-c1" };
const obj = (apiVersion: string, kind: string, namespace?: string, labels?: Record<string, string>) => ({
  apiVersion,
  kind,
  metadata: { name: "x", ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
});

describe("link policy", () => {
  it.each([
    ["cluster.x-k8s.io/v1beta2", "Cluster"],
    ["cluster.x-k8s.io/v1beta2", "MachineDeployment"],
    ["infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachineTemplate"],
    ["controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane"],
    ["bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate"],
    ["ipam.cluster.x-k8s.io/v1beta2", "IPAddressClaim"],
  ])("allows %s %s in the CAPI namespace", (apiVersion, kind) => {
    expect(decide(obj(apiVersion, kind, "capi-c1"), policy)).toEqual({ allowed: true });
  });

  it("allows the cluster's own Secrets", () => {
    expect(decide(obj("v1", "Secret", "capi-c1", { "cluster.x-k8s.io/cluster-name": "c1" }), policy)).toEqual({
      allowed: true,
    });
  });

  it.each([
    [
      "another cluster's Secret",
      obj("v1", "Secret", "capi-c1", { "cluster.x-k8s.io/cluster-name": "c2" }),
      /own Secrets/,
    ],
    ["an unlabelled Secret", obj("v1", "Secret", "capi-c1"), /own Secrets/],
    ["a Deployment", obj("apps/v1", "Deployment", "capi-c1"), /not allowed over the link/],
    ["a ClusterRoleBinding", obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), /namespace/],
    [
      "a CAPI object in another namespace",
      obj("cluster.x-k8s.io/v1beta2", "Cluster", "kube-system"),
      /namespace "capi-c1"/,
    ],
    ["a cluster-scoped CAPI object", obj("runtime.cluster.x-k8s.io/v1alpha1", "ExtensionConfig"), /namespace/],
    ["a look-alike group", obj("cluster.x-k8s.io.evil.com/v1", "Cluster", "capi-c1"), /not allowed/],
    ["a ConfigMap", obj("v1", "ConfigMap", "capi-c1"), /not allowed/],
    ["something that is not an object", { kind: "Secret" }, /not a Kubernetes object/],
  ])("denies %s", (_what, o, reason) => {
    const d = decide(o, policy);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toMatch(reason);
  });

  it("allows exactly the listed CAPI groups, whatever the version or kind", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9.-]{0,30}$/),
        fc.stringMatching(/^v[0-9a-z]{1,8}$/),
        fc.stringMatching(/^[A-Z][A-Za-z]{0,20}$/),
        (group, version, kind) => {
          fc.pre(kind !== "Secret");
          const d = decide(obj(group ? `${group}/${version}` : version, kind, "capi-c1"), policy);
          return d.allowed === (CAPI_API_GROUPS as readonly string[]).includes(group);
        },
      ),
    );
  });

  it("reads the group of an apiVersion", () => {
    expect(groupOf("v1")).toBe("");
    expect(groupOf("cluster.x-k8s.io/v1beta2")).toBe("cluster.x-k8s.io");
    expect(CAPI_API_GROUPS.every((g) => g === "cluster.x-k8s.io" || g.endsWith(".cluster.x-k8s.io"))).toBe(true);
    expect(isCapiGroup("x-k8s.io")).toBe(false);
  });
});
