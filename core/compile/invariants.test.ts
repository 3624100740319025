// Invariants of everything the compiler can emit (the catalog, all examples): known kinds with
// ownership labels and valid names, nothing open to the world, no L7 attribute in a ztunnel-bound
// AuthorizationPolicy, the ambient sharp edges encoded.
import { KINDS } from "../k8s/kinds";
import type { KubeObject } from "../k8s/object";
import { loadValid, TEST_OPTIONS } from "../testing/fixtures";
import { BASELINE_NAMES, compileAll, compileCatalog, EMITTED_KINDS, HBONE_PORT, KUBELET_PROBE_SOURCE, LABELS } from ".";

const catalog = compileCatalog();
const examples = (() => {
  // The service examples (cluster documents compile to Cluster API objects, checked in core/cluster).
  const r = compileAll(
    loadValid("examples/webapp", "examples/external", "examples/shared-volume", "examples/cross-namespace"),
    TEST_OPTIONS,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.objects;
})();
const everything = [...catalog, ...examples];
const kindOf = (o: KubeObject) => `${o.apiVersion}/${o.kind}`;
const emittedNamespaces = new Set(everything.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function walk(v: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      visit(k, x);
      walk(x, visit);
    }
}

describe("the catalog", () => {
  it("covers every kind the compiler emits, and only those", () => {
    expect([...new Set(catalog.map(kindOf))].sort()).toEqual([...EMITTED_KINDS].sort());
    expect([...new Set(examples.map(kindOf))].every((k) => EMITTED_KINDS.includes(k))).toBe(true);
  });

  it("covers every rule shape", () => {
    const text = JSON.stringify(catalog);
    for (const shape of [
      "toFQDNs",
      "matchName",
      "matchPattern",
      "toCIDR",
      "fromCIDR",
      "toEndpoints",
      "fromEndpoints",
      '"UDP"',
      "podAffinity",
      "httpGet",
      "tcpSocket",
      "grpc",
      "exec",
      "storageClassName",
      "subPath",
      "readOnly",
      "addresses",
      '"resolution":"DNS"',
      '"resolution":"NONE"',
    ])
      expect([shape, text.includes(shape)]).toEqual([shape, true]);
  });

  it("uses the trust domain it is given", () => {
    expect(JSON.stringify(compileCatalog("other.example"))).toContain("other.example/ns/");
    expect(JSON.stringify(compileCatalog("other.example"))).not.toContain("cluster.local");
  });
});

describe("every emitted object", () => {
  it.each(everything.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o] as const))(
    "%s is well-formed and owned",
    (_, o) => {
      expect(KINDS.has(kindOf(o))).toBe(true);
      expect(KINDS.get(kindOf(o))?.namespaced).toBe(o.metadata.namespace !== undefined);
      expect(o.metadata.name).toMatch(SUBDOMAIN);
      expect(o.metadata.name.length).toBeLessThanOrEqual(253);
      const labels = o.metadata.labels ?? {};
      expect(labels[LABELS.managedBy]).toBe("lattice");
      // The namespace an object belongs to: its own; a Namespace's, itself; a cluster-wide policy's,
      // that of the service it is named after, which has its baseline among the emitted objects.
      const owner = labels[LABELS.namespace];
      if (o.metadata.namespace !== undefined) expect(owner).toBe(o.metadata.namespace);
      else if (o.kind === "Namespace") expect(owner).toBe(o.metadata.name);
      else {
        expect(o.metadata.name.startsWith(`${owner}.${labels[LABELS.service]}.`)).toBe(true);
        expect(emittedNamespaces.has(owner!)).toBe(true);
      }
      expect(labels[LABELS.service] !== undefined || labels[LABELS.baseline] === "true").toBe(true);
      for (const v of Object.values(labels)) expect(v).toMatch(LABEL_VALUE);
    },
  );

  it("never opens anything to the world", () => {
    walk(everything, (k, v) => {
      if (k === "toEntities" || k === "fromEntities") throw new Error(`${k} emitted`);
      if (typeof v === "string" && /(^|[^0-9])0\.0\.0\.0\/0|^::\/0$/.test(v)) throw new Error(`open CIDR ${v}`);
    });
  });

  it("AuthorizationPolicies carry L4 attributes only (ztunnel drops L7 ALLOW rules)", () => {
    type Rule = { from?: Array<{ source: object }>; to?: Array<{ operation: object }> };
    for (const o of everything.filter((x) => x.kind === "AuthorizationPolicy")) {
      const spec = o.spec as { rules?: Rule[] };
      for (const rule of spec.rules ?? []) {
        expect(Object.keys(rule).every((k) => k === "from" || k === "to")).toBe(true);
        for (const f of rule.from ?? [])
          expect(Object.keys(f.source).every((k) => k === "principals" || k === "namespaces")).toBe(true);
        for (const t of rule.to ?? []) expect(Object.keys(t.operation)).toEqual(["ports"]);
      }
    }
  });

  it("each per-pair ingress rule admits the HBONE port, and every namespace has its baseline", () => {
    const cnps = everything.filter((o) => o.kind === "CiliumNetworkPolicy") as Array<
      KubeObject & {
        spec: {
          ingress?: Array<{
            fromEndpoints?: unknown[];
            fromCIDR?: string[];
            toPorts?: Array<{ ports: Array<{ port: string }> }>;
          }>;
        };
      }
    >;
    for (const p of cnps)
      for (const rule of p.spec.ingress ?? []) {
        if (rule.fromCIDR) expect(rule.fromCIDR).toEqual([KUBELET_PROBE_SOURCE]);
        else expect(rule.toPorts?.[0]?.ports.map((x) => x.port)).toContain(String(HBONE_PORT));
      }
    const namespaces = new Set(everything.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    for (const ns of namespaces) {
      const named = (kind: string, name: string) =>
        everything.some((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
      expect([
        ns,
        named("CiliumNetworkPolicy", BASELINE_NAMES.ciliumPolicy),
        named("AuthorizationPolicy", BASELINE_NAMES.meshDefaultDeny),
      ]).toEqual([ns, true, true]);
    }
    for (const o of everything.filter((x) => x.kind === "Namespace"))
      expect(o.metadata.labels?.["istio.io/dataplane-mode"]).toBe("ambient");
  });
});
