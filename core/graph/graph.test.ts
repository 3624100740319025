// The agreement graph and explain(), from the examples and small fixtures.
import { loadDocuments } from "../spec";
import { loadValid } from "../testing/fixtures";
import { analyseDocuments, buildGraph, explain, graphToDot, graphToJson, graphToMermaid, renderExplanation } from ".";

const graphOf = (...paths: string[]) => buildGraph(loadValid(...paths), { defaultNamespace: "default" });

describe("buildGraph", () => {
  it("webapp: six bilateral edges and nothing else", () => {
    const g = graphOf("examples/webapp");
    expect(g.edges.map((e) => `${e.from}->${e.to}:${e.status}`)).toEqual([
      "webapp/api->webapp/postgres:bilateral",
      "webapp/api->webapp/redis:bilateral",
      "webapp/frontend->webapp/api:bilateral",
      "webapp/worker->webapp/api:bilateral",
      "webapp/worker->webapp/postgres:bilateral",
      "webapp/worker->webapp/redis:bilateral",
    ]);
    expect(g.unknown).toEqual([]);
    expect(g.volumes).toEqual([]);
  });

  it("one-sided declarations say which side is missing", () => {
    const g = graphOf("core/compile/__fixtures__/one-sided");
    expect(g.edges.map((e) => `${e.from}->${e.to}:${e.status}`)).toEqual([
      "shop/audit->shop/billing:missing-outbound",
      "shop/orders->shop/billing:missing-inbound",
    ]);
  });

  it("external agreements: allowed requesters are the callee's half", () => {
    expect(
      graphOf("core/compile/__fixtures__/external-not-allowed").edges.map(
        (e) => `${e.from}->${e.to}:${e.type}:${e.status}`,
      ),
    ).toEqual([
      "shop/payment-service->shop/stripe:external-service:missing-inbound",
      "shop/refunds->shop/stripe:external-service:missing-outbound",
    ]);
  });

  it("references to unknown services and to the wrong kind", () => {
    const r = loadDocuments([
      {
        file: "u.yaml",
        text: `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: shop}
spec:
  containers: {main: {image: "x:1"}}
  service: {ports: {http: {port: 80}}}
  resources:
    ghost: {type: service, direction: outbound}
    caller: {type: service, direction: inbound, namespace: elsewhere}
    stripe: {type: service, direction: outbound}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeExternalService
metadata: {name: stripe, namespace: shop}
spec:
  endpoints: {api: "https://api.stripe.com"}
  allowed_requesters: [nobody]
`,
      },
    ]);
    const g = buildGraph(r.docs, { defaultNamespace: "default" });
    expect(g.unknown.map((u) => `${u.declaration.by}:${u.target}:${u.reason}`)).toEqual([
      "shop/api:elsewhere/caller:no LatticeService or LatticeExternalService elsewhere/caller in the given documents",
      "shop/api:shop/ghost:no LatticeService or LatticeExternalService shop/ghost in the given documents",
      "shop/api:shop/stripe:shop/stripe is a LatticeExternalService, not a LatticeService",
      "shop/stripe:shop/nobody:no LatticeService or LatticeExternalService shop/nobody in the given documents",
    ]);
    expect(g.edges).toEqual([]);
  });

  it("many peers, in any order: edges sorted, the peers compileAll reads sorted", () => {
    // 40 callees (more than the small-sort cut-off of 32) named in a shuffled order, a caller named
    // through an id, and an external service the hub both calls and is allowed by.
    const names = Array.from({ length: 40 }, (_, i) => `peer-${String(i).padStart(2, "0")}`);
    const shuffled = [...names].sort((a, b) =>
      a.split("").reverse().join("") < b.split("").reverse().join("") ? -1 : 1,
    );
    const svc = (name: string, resources: string) => `apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: ${name}, namespace: mesh}
spec:
  containers: {main: {image: "r/${name}:1"}}
  service: {ports: {http: {port: 80}}}
  resources:
${resources}`;
    const hub = svc(
      "hub",
      [
        ...shuffled.map((n) => `    ${n}: {type: service, direction: outbound}`),
        "    pay: {type: external-service, direction: outbound}",
        "    admin: {type: service, direction: inbound, id: peer-03}",
      ].join("\n") + "\n",
    );
    const peers = names.map((n) => svc(n, "    hub: {type: service, direction: inbound}\n"));
    const pay = `apiVersion: lattice.dev/v1alpha1
kind: LatticeExternalService
metadata: {name: pay, namespace: mesh}
spec:
  endpoints: {api: "https://pay.example.com:443"}
  allowed_requesters: [hub]
`;
    const loaded = loadDocuments([{ file: "m.yaml", text: [...peers, hub, pay].join("---\n") }]);
    expect(loaded.errors).toEqual([]);
    const { graph, peers: resolved } = analyseDocuments(loaded.docs, { defaultNamespace: "default" });

    const hubEdges = graph.edges.filter((e) => e.from === "mesh/hub");
    expect(hubEdges.map((e) => `${e.to}:${e.type}:${e.status}`)).toEqual([
      "mesh/pay:external-service:bilateral",
      ...names.map((n) => `mesh/${n}:service:bilateral`),
    ]);
    const three = graph.edges.find((e) => e.from === "mesh/peer-03" && e.to === "mesh/hub");
    expect(three?.inbound?.kind === "resource" && three.inbound.key).toBe("admin");
    // Every edge, in (from, to) order.
    const keys = graph.edges.map((e) => `${e.from} ${e.to} ${e.type === "service" ? 1 : 0}`);
    expect(keys).toEqual([...keys].sort());

    const hubDoc = loaded.docs.find((d) => d.doc.metadata.name === "hub")?.doc;
    const hubPeers = resolved.get(hubDoc as never);
    expect(hubPeers?.callees.map((p) => p.name)).toEqual(names);
    expect(hubPeers?.callers.map((p) => p.name)).toEqual(["peer-03"]);
    expect(hubPeers?.onlyServices).toBe(false);
    const peerPeers = resolved.get(loaded.docs[0]?.doc as never);
    expect(peerPeers).toEqual({
      callees: [],
      callers: [expect.objectContaining({ ref: "mesh/hub" })],
      onlyServices: true,
    });
  });

  it("volume ids with their owners and consumers (and without an owner)", () => {
    expect(graphOf("examples/shared-volume").volumes).toEqual([
      {
        namespace: "media",
        id: "shared-media",
        owners: [
          {
            service: "media/media-server",
            source: { file: "examples/shared-volume/media-server.yaml", doc: 1 },
            key: "shared-media",
          },
        ],
        consumers: [
          {
            service: "media/transcoder",
            source: { file: "examples/shared-volume/transcoder.yaml", doc: 1 },
            key: "shared-media",
          },
        ],
      },
    ]);
    const orphan = buildGraph(loadValid("core/spec/__corpus__/sets/volume-without-owner"), {
      defaultNamespace: "default",
    });
    expect(
      (graphToJson(orphan) as { volumes: Array<{ problem: string | null }> }).volumes.map((v) => v.problem),
    ).toEqual(["no owner"]);
  });
});

describe("formats", () => {
  const g = graphOf("core/compile/__fixtures__/one-sided", "examples/shared-volume");
  it("mermaid", () => {
    expect(graphToMermaid(g)).toBe(`flowchart LR
  n0["media/media-server"]
  n1["media/transcoder"]
  n2["shop/audit"]
  n3["shop/billing"]
  n4["shop/orders"]
  v0[("volume media/shared-media")]
  n0 --> n1
  n2 -.->|missing outbound| n3
  n4 -.->|missing inbound| n3
  n0 ==>|owns| v0
  n1 -.->|uses| v0
`);
  });
  it("dot", () => {
    const dot = graphToDot(g);
    expect(dot).toContain('n4 -> n3 [label="missing inbound", style=dashed];');
    expect(dot).toContain('v0 [label="volume media/shared-media", shape=cylinder];');
  });
  it("json", () => {
    const j = graphToJson(g) as { edges: Array<{ status: string; outbound: unknown; inbound: unknown }> };
    expect(j.edges[1]).toEqual({
      from: "shop/audit",
      to: "shop/billing",
      type: "service",
      status: "missing-outbound",
      outbound: null,
      inbound: { source: "core/compile/__fixtures__/one-sided/billing.yaml#1", path: "spec.resources.audit" },
    });
  });
});

describe("explain", () => {
  const g = graphOf("examples", "core/compile/__fixtures__/one-sided");
  it("allowed: quotes both declarations", () => {
    expect(renderExplanation(explain(g, "frontend", "webapp/api")))
      .toBe(`ALLOWED: webapp/frontend → webapp/api (both halves are declared)
  webapp/frontend declares, at examples/webapp/frontend.yaml#1 spec.resources.api:
    api: {type: service, direction: outbound}
  webapp/api declares, at examples/webapp/api.yaml#1 spec.resources.frontend:
    frontend: {type: service, direction: inbound}
`);
  });
  it("denied: quotes the one declaration and says what to add", () => {
    expect(renderExplanation(explain(g, "shop/orders", "shop/billing"))).toBe(`DENIED: shop/orders → shop/billing
  shop/orders declares, at core/compile/__fixtures__/one-sided/orders.yaml#1 spec.resources.billing:
    billing: {type: service, direction: outbound}
  missing: shop/billing does not declare shop/orders inbound; add to its spec.resources: "orders: {type: service, direction: inbound}"
`);
  });
  it("cross-namespace and external suggestions name namespaces", () => {
    const x = explain(g, "webapp/worker", "shop/stripe");
    expect(x.kind === "verdict" && x.missing).toEqual([
      'webapp/worker does not declare shop/stripe outbound; add to its spec.resources: "stripe: {type: external-service, direction: outbound, namespace: shop}"',
      'shop/stripe does not allow webapp/worker; add "webapp/worker" to its spec.allowed_requesters',
    ]);
  });
  it("errors for unknown and ambiguous names", () => {
    expect(explain(g, "nope", "api")).toEqual({ kind: "error", message: "unknown service nope" });
    const doc = (ns: string) =>
      `apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: api, namespace: ${ns}}\nspec: {containers: {main: {image: "x:1"}}}\n`;
    const two = buildGraph(
      loadDocuments([
        { file: "a.yaml", text: doc("a") },
        { file: "b.yaml", text: doc("b") },
      ]).docs,
      { defaultNamespace: "default" },
    );
    expect(explain(two, "api", "b/api")).toEqual({
      kind: "error",
      message: '"api" is ambiguous: a/api, b/api (write namespace/name)',
    });
    expect(explain(two, "a/api", "b/api").kind).toBe("verdict");
  });
});
