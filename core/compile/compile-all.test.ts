// compileAll beyond the examples: options, errors stop everything, the per-kind table, names.
import { readFileSync } from "node:fs";
import { loadDocuments } from "../spec";
import { loadValid, TEST_OPTIONS } from "../testing/fixtures";
import { compileAll, compileExternal, compileService, CompileOptionsError, COMPILERS } from ".";

const svc = (name: string, ns: string, resources: string) => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  containers: {main: {image: "registry.example/${name}:1"}}
  service: {ports: {http: {port: 8080}}}
  resources: {${resources}}
`;

function load(...texts: string[]) {
  const r = loadDocuments(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
  expect(r.errors).toEqual([]);
  return r.docs;
}

describe("compileAll", () => {
  it("rejects bad options by name", () => {
    expect(() => compileAll([], { ...TEST_OPTIONS, trustDomain: "Not A Domain" })).toThrow(CompileOptionsError);
    expect(() => compileAll([], { ...TEST_OPTIONS, defaultNamespace: "UPPER" })).toThrow(/defaultNamespace/);
  });

  it("compiles nothing when any document disagrees with another", () => {
    const docs = load(
      svc("a", "x", "v: {type: volume, id: shared}"),
      svc("b", "x", "api: {type: service, direction: outbound}"),
    );
    const r = compileAll(docs, TEST_OPTIONS);
    expect(r.ok).toBe(false);
    expect("objects" in r).toBe(false);
  });

  it("uses the default namespace for documents without one", () => {
    const docs = load(svc("a", "x", "").replace("namespace: x", "namespace: null").replace(", namespace: null", ""));
    const r = compileAll(docs, { ...TEST_OPTIONS, defaultNamespace: "team-a" });
    expect(r.ok && r.objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.namespace)).toEqual([
      "team-a",
    ]);
  });

  it("references to services outside the set still compile (the other side may live in another stack)", () => {
    const r = compileAll(
      load(svc("a", "x", "elsewhere: {type: service, direction: outbound, namespace: other}")),
      TEST_OPTIONS,
    );
    expect(r.ok).toBe(true);
    expect(r.graph?.unknown.map((u) => u.target)).toEqual(["other/elsewhere"]);
  });

  it("names are unique per namespace: services with external services, clusters among clusters", () => {
    const cluster = readFileSync("examples/clusters/docker.yaml", "utf8");
    const ok = compileAll(load(cluster, svc("dev", "default", "")), TEST_OPTIONS);
    expect(ok.ok).toBe(true); // a cluster and a service may share a name
    const twice = compileAll(load(cluster, cluster, svc("a", "x", ""), svc("a", "x", "")), TEST_OPTIONS);
    expect(twice.ok === false && twice.errors.map((e) => `${e.file}#${e.doc}: ${e.path}: ${e.message}`)).toEqual([
      "f1.yaml#1: metadata.name: default/dev is already defined by f0.yaml#1 (LatticeCluster); names are unique per namespace",
      "f3.yaml#1: metadata.name: x/a is already defined by f2.yaml#1 (LatticeService); names are unique per namespace",
    ]);
  });

  it("has a compiler for every kind", () => {
    expect(Object.keys(COMPILERS).sort()).toEqual(["LatticeCluster", "LatticeExternalService", "LatticeService"]);
  });

  it("per-document entry points compile one document from itself alone", () => {
    const [api] = loadValid("examples/webapp/api.yaml");
    const [stripe] = loadValid("examples/external/stripe.yaml");
    if (api?.doc.kind !== "LatticeService" || stripe?.doc.kind !== "LatticeExternalService")
      throw new Error("fixtures");
    const half = compileService(api.doc, TEST_OPTIONS);
    expect(half.workload.map((o) => o.kind)).toEqual(["ServiceAccount", "Service", "Deployment"]);
    expect(half.policies.map((o) => o.kind)).toEqual(["CiliumNetworkPolicy", "AuthorizationPolicy"]);
    expect(JSON.stringify(half.policies)).toContain("mesh.example.com/ns/webapp/sa/frontend");
    const ext = compileExternal(stripe.doc, TEST_OPTIONS);
    expect(ext.workload).toEqual([]);
    expect(ext.policies.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "CiliumNetworkPolicy/stripe.egress.payment-service",
      "ServiceEntry/stripe.api",
    ]);
  });

  it("keeps names valid when a cluster-wide policy name would be too long", () => {
    const long = "n".repeat(63);
    const docs = load(
      `apiVersion: lattice.dev/v1alpha1
kind: LatticeExternalService
metadata: {name: ${"e".repeat(63)}, namespace: ${long}}
spec:
  endpoints: {api: "https://api.example.com"}
  allowed_requesters: [${"m".repeat(63)}/${"r".repeat(63)}]
`,
    );
    const r = compileAll(docs, TEST_OPTIONS);
    const ccnp = r.ok ? r.objects.find((o) => o.kind === "CiliumClusterwideNetworkPolicy") : undefined;
    expect(ccnp?.metadata.name.length).toBeLessThanOrEqual(253);
    expect(ccnp?.metadata.name).toMatch(/\.[0-9a-f]{8}$/);
  });
});
