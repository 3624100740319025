import fc from "fast-check";
import { CAPI_KINDS, capiGroups, decide, decideLive, groupOf, policyFault, type WriteCommand } from "./policy";

const policy = { cluster: "c1", capiNamespace: "capi-c1", agentNamespace: "lattice-system" };
const obj = (apiVersion: string, kind: string, namespace?: string, labels?: Record<string, string>) => ({
  apiVersion,
  kind,
  metadata: { name: "x", ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
});
const own = { "cluster.x-k8s.io/cluster-name": "c1" };

describe("link policy", () => {
  it.each([
    ["cluster.x-k8s.io/v1beta2", "Cluster", "apply"],
    ["cluster.x-k8s.io/v1beta2", "MachineDeployment", "apply"],
    ["infrastructure.cluster.x-k8s.io/v1beta1", "DockerMachineTemplate", "apply"],
    ["infrastructure.cluster.x-k8s.io/v1beta2", "AWSCluster", "apply"],
    ["controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane", "apply"],
    ["controlplane.cluster.x-k8s.io/v1beta2", "RKE2ControlPlane", "import"],
    ["bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate", "apply"],
    ["cluster.x-k8s.io/v1beta2", "Machine", "import"],
    ["cluster.x-k8s.io/v1beta2", "MachineSet", "import"],
    ["bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfig", "import"],
    ["infrastructure.cluster.x-k8s.io/v1beta2", "ProxmoxMachine", "import"],
    ["ipam.cluster.x-k8s.io/v1beta2", "IPAddressClaim", "import"],
  ] as const)("allows %s %s by %s in the CAPI namespace", (apiVersion, kind, command) => {
    expect(decide(obj(apiVersion, kind, "capi-c1"), policy, command)).toEqual({ allowed: true });
  });

  it.each(["apply", "import"] as const)("allows the cluster's own Secrets by %s", (command) => {
    expect(decide(obj("v1", "Secret", "capi-c1", own), policy, command)).toEqual({ allowed: true });
  });

  it.each([
    ["a ClusterResourceSet", obj("addons.cluster.x-k8s.io/v1beta2", "ClusterResourceSet", "capi-c1"), /not allowed/],
    [
      "a ClusterResourceSetBinding",
      obj("addons.cluster.x-k8s.io/v1beta2", "ClusterResourceSetBinding", "capi-c1"),
      /not allowed/,
    ],
    ["a ClusterClass", obj("cluster.x-k8s.io/v1beta2", "ClusterClass", "capi-c1"), /not allowed/],
    ["a MachinePool", obj("cluster.x-k8s.io/v1beta2", "MachinePool", "capi-c1"), /not allowed/],
    [
      "a KubeadmControlPlaneTemplate",
      obj("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlaneTemplate", "capi-c1"),
      /not allowed/,
    ],
    ["a clusterctl Provider", obj("clusterctl.cluster.x-k8s.io/v1alpha3", "Provider", "capi-c1"), /not allowed/],
    ["an ExtensionConfig", obj("runtime.cluster.x-k8s.io/v1alpha1", "ExtensionConfig"), /namespace/],
  ])("denies %s to every command", (_what, o, reason) => {
    for (const command of ["apply", "import"] as const) {
      const d = decide(o, policy, command);
      expect(d.allowed).toBe(false);
      expect(!d.allowed && d.reason).toMatch(reason);
    }
  });

  it.each([
    ["a per-machine KubeadmConfig", "bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfig"],
    ["a per-machine RKE2Config", "bootstrap.cluster.x-k8s.io/v1beta1", "RKE2Config"],
    ["a Machine", "cluster.x-k8s.io/v1beta2", "Machine"],
    ["a DockerMachine", "infrastructure.cluster.x-k8s.io/v1beta2", "DockerMachine"],
  ])("denies %s by apply (Cluster API makes it; only a pivot imports it)", (_what, apiVersion, kind) => {
    const d = decide(obj(apiVersion, kind, "capi-c1"), policy, "apply");
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toMatch(/written only by import over the link, not by apply/);
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
    ["a CAPI object in another namespace", obj("cluster.x-k8s.io/v1beta2", "Cluster", "kube-system"), /"capi-c1"/],
    ["a Secret in the agent's namespace", obj("v1", "Secret", "lattice-system", own), /"capi-c1"/],
    ["a look-alike group", obj("cluster.x-k8s.io.evil.com/v1", "Cluster", "capi-c1"), /not allowed/],
    ["a ConfigMap", obj("v1", "ConfigMap", "capi-c1"), /not allowed/],
    ["something that is not an object", { kind: "Secret" }, /not a Kubernetes object/],
  ])("denies %s", (_what, o, reason) => {
    const d = decide(o, policy, "apply");
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toMatch(reason);
  });

  it("refuses everything when the CAPI namespace is the agent's own namespace", () => {
    const bad = { ...policy, capiNamespace: "lattice-system" };
    expect(policyFault(bad)).toMatch(/the agent's own namespace/);
    expect(policyFault(policy)).toBeUndefined();
    for (const o of [
      obj("cluster.x-k8s.io/v1beta2", "Cluster", "lattice-system"),
      obj("v1", "Secret", "lattice-system", own),
    ]) {
      const d = decide(o, bad, "apply");
      expect(!d.allowed && d.reason).toMatch(/the agent's own namespace/);
    }
    // Not a matter of the name lattice-system: whatever the agent's namespace is.
    const elsewhere = { cluster: "c1", capiNamespace: "agents", agentNamespace: "agents" };
    expect(decide(obj("cluster.x-k8s.io/v1beta2", "Cluster", "agents"), elsewhere, "import").allowed).toBe(false);
  });

  it("checks a Secret against the live one: an existing Secret without this cluster's label is not overwritten", () => {
    expect(decideLive(undefined, policy)).toEqual({ allowed: true });
    expect(decideLive(obj("v1", "Secret", "capi-c1", own), policy)).toEqual({ allowed: true });
    const foreign = decideLive(obj("v1", "Secret", "capi-c1"), policy);
    expect(!foreign.allowed && foreign.reason).toMatch(/exists in the child without the label .*left as it is/);
    const other = decideLive(obj("v1", "Secret", "capi-c1", { "cluster.x-k8s.io/cluster-name": "c2" }), policy);
    expect(!other.allowed && other.reason).toMatch(/labelled for "c2"/);
    // Only Secrets carry the label rule; other kinds are judged by decide alone.
    expect(decideLive(obj("cluster.x-k8s.io/v1beta2", "Cluster", "capi-c1"), policy)).toEqual({ allowed: true });
  });

  it("allows exactly the table's kinds by exactly their commands, whatever the version", () => {
    const tableKind = fc.constantFrom(...CAPI_KINDS);
    const anyKind = fc.record({
      group: fc.oneof(fc.constantFrom(...capiGroups()), fc.stringMatching(/^[a-z0-9.-]{0,30}$/)),
      kind: fc.oneof(fc.constantFrom(...CAPI_KINDS.map((k) => k.kind)), fc.stringMatching(/^[A-Z][A-Za-z]{0,20}$/)),
    });
    fc.assert(
      fc.property(
        fc.oneof(tableKind, anyKind),
        fc.stringMatching(/^v[0-9a-z]{1,8}$/),
        fc.constantFrom<WriteCommand>("apply", "import"),
        ({ group, kind }, version, command) => {
          fc.pre(kind !== "Secret");
          const d = decide(obj(group ? `${group}/${version}` : version, kind, "capi-c1"), policy, command);
          const entry = CAPI_KINDS.find((k) => k.group === group && k.kind === kind);
          return d.allowed === (entry?.commands.includes(command) ?? false);
        },
      ),
    );
  });

  it("names each kind once, in a Cluster API group, with a reason", () => {
    const keys = CAPI_KINDS.map((k) => `${k.group}/${k.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of CAPI_KINDS) {
      expect(k.group === "cluster.x-k8s.io" || k.group.endsWith(".cluster.x-k8s.io")).toBe(true);
      expect(k.resource).toBe(k.resource.toLowerCase());
      expect(k.why.length).toBeGreaterThan(5);
      expect(k.commands.length).toBeGreaterThan(0);
    }
    expect(groupOf("v1")).toBe("");
    expect(groupOf("cluster.x-k8s.io/v1beta2")).toBe("cluster.x-k8s.io");
  });
});
