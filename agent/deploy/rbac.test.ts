import { CAPI_KINDS } from "../child/capi-kinds";
import { capiRules, readRules, renderAgentRbac, type PolicyRule } from "./rbac";

/** Does any rule grant `verb` on group/resource? */
const grants = (rules: PolicyRule[], verb: string, group: string, resource: string) =>
  rules.some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb) && !r.resourceNames,
  );

describe("the agent's RBAC, rendered from the kinds table", () => {
  it("grants create and patch on exactly the table's resources in the CAPI namespace, status only for imports", () => {
    const rules = capiRules();
    for (const k of CAPI_KINDS) {
      expect({ k: k.kind, create: grants(rules, "create", k.group, k.resource) }).toEqual({ k: k.kind, create: true });
      expect(grants(rules, "patch", k.group, k.resource)).toBe(true);
      expect(grants(rules, "patch", k.group, `${k.resource}/status`)).toBe(k.commands.includes("import"));
    }
    const named = new Set(CAPI_KINDS.map((k) => `${k.group}/${k.resource}`));
    for (const r of rules)
      for (const g of r.apiGroups)
        for (const res of r.resources) {
          expect(res).not.toContain("*");
          if (g !== "") expect(named.has(`${g}/${res.replace(/\/status$/, "")}`)).toBe(true);
        }
    expect(grants(rules, "create", "addons.cluster.x-k8s.io", "clusterresourcesets")).toBe(false);
    expect(grants(rules, "create", "cluster.x-k8s.io", "clusterclasses")).toBe(false);
    expect(rules.flatMap((r) => r.verbs)).not.toContain("delete");
  });

  it("reads only Nodes and the table's kinds", () => {
    const rules = readRules();
    for (const k of CAPI_KINDS) expect(grants(rules, "list", k.group, k.resource)).toBe(true);
    expect(rules.flatMap((r) => r.resources).filter((r) => r.includes("*"))).toEqual([]);
    expect(rules.flatMap((r) => r.verbs).every((v) => ["get", "list", "watch"].includes(v))).toBe(true);
  });

  it("refuses to render when the CAPI namespace is the agent's own", () => {
    expect(() => renderAgentRbac("lattice-system", "lattice-system")).toThrow(/agent's own namespace/);
    expect(renderAgentRbac("lattice-system", "capi-c1").map((o) => `${o.kind}/${o.metadata.name}`)).toContain(
      "Role/lattice-agent-capi",
    );
  });
});
