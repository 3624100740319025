// The cell's manifests: N replicas behind one Service, spread, disruption-bounded, least privilege.
import { renderCellManifests } from "./cell";

describe("renderCellManifests", () => {
  const objs = renderCellManifests({ namespace: "lattice-system", image: "img:1", replicas: 3 });
  const kind = (k: string) => objs.find((o) => o.kind === k) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("renders the objects in apply order, all in the cell's namespace but the cluster-scoped ones", () => {
    expect(objs.map((o) => o.kind)).toEqual([
      "ServiceAccount",
      "Role",
      "RoleBinding",
      "ClusterRole",
      "ClusterRoleBinding",
      "ClusterRole",
      "Service",
      "Deployment",
      "PodDisruptionBudget",
    ]);
    for (const o of objs.filter((x) => !x.kind.startsWith("Cluster")))
      expect(o.metadata.namespace).toBe("lattice-system");
  });

  it("runs N replicas behind one Service for both ports, rolling one at a time, at least one kept", () => {
    const d = kind("Deployment");
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 1, maxSurge: 1 });
    expect(kind("Service").spec.ports.map((p: { port: number }) => p.port)).toEqual([8443, 8444]);
    expect(kind("Service").spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(kind("PodDisruptionBudget").spec.minAvailable).toBe(1);
    const args: string[] = d.spec.template.spec.containers[0].args;
    expect(args.slice(0, 1)).toEqual(["cell"]);
    expect(args[args.indexOf("--advertise") + 1]).toBe("lattice-cell.lattice-system.svc:8443");
    expect(args[args.indexOf("--bootstrap-advertise") + 1]).toBe("lattice-cell.lattice-system.svc:8444");
  });

  it("grants what the cell uses and no more: no wildcard, no Secret reads outside its namespace", () => {
    const rules: { resources: string[]; verbs: string[] }[] = kind("Role").rules;
    expect(rules.flatMap((r) => r.verbs)).not.toContain("*");
    expect(rules.flatMap((r) => r.resources)).not.toContain("*");
    // The cell creates AgentCommands only for a pivot's steps, and never deletes a ClusterPivot.
    expect(rules.filter((r) => r.resources.includes("agentcommands")).flatMap((r) => r.verbs)).toEqual([
      "get",
      "list",
      "watch",
      "delete",
      "create",
    ]);
    expect(rules.find((r) => r.resources.includes("clusterpivots"))!.verbs).not.toContain("delete");
    expect(kind("ClusterRole").rules).toEqual([
      { apiGroups: [""], resources: ["namespaces"], resourceNames: ["lattice-system"], verbs: ["get"] },
      { apiGroups: [""], resources: ["namespaces"], resourceNames: ["kube-system"], verbs: ["get"] },
      { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list"] },
    ]);
    // The pivot role is bound per cluster namespace, never cluster-wide.
    const bindings = objs.filter((o) => o.kind === "ClusterRoleBinding") as unknown as { roleRef: { name: string } }[];
    expect(bindings.map((b) => b.roleRef.name)).not.toContain("lattice-cell-pivot");
  });
});
