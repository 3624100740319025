// The central property: for random service graphs, an evaluator that reads ONLY the emitted
// CiliumNetworkPolicy/CiliumClusterwideNetworkPolicy and AuthorizationPolicy objects allows A→B on
// port P exactly when A declares B outbound, B declares A inbound and P is one of B's ports;
// removing either declaration denies. Also: the per-service halves (compileService, one document at
// a time, as separate Pulumi stacks would) are exactly what compileAll emits.
import fc from "fast-check";
import type { KubeObject } from "../k8s/object";
import { mayConnect, podsOf, policySetOf, type PodIdentity, type Protocol } from "../policy-eval";
import { validateDocument, type LatticeService, type SourcedDocument } from "../spec";
import { compileAll, compileNamespaceBaseline, compileService, resolveOptions, type CompileOptions } from ".";

const OPTS: CompileOptions = { trustDomain: "prop.example", defaultNamespace: "default" };
const NAMESPACES = ["ns-a", "ns-b", "ns-c"];
const PORT_POOL: Array<{ port: number; protocol: Protocol }> = [
  { port: 80, protocol: "TCP" },
  { port: 8080, protocol: "TCP" },
  { port: 5432, protocol: "TCP" },
  { port: 9000, protocol: "UDP" },
];

interface Svc {
  name: string;
  namespace: string;
  ports: Array<{ port: number; protocol: Protocol }>;
  outbound: Set<number>;
  inbound: Set<number>;
}

const graph = fc
  .integer({ min: 2, max: 7 })
  .chain((n) =>
    fc.record({
      namespaces: fc.array(fc.constantFrom(...NAMESPACES), { minLength: n, maxLength: n }),
      ports: fc.array(fc.subarray(PORT_POOL), { minLength: n, maxLength: n }),
      outbound: fc.array(fc.subarray([...Array(n).keys()]), { minLength: n, maxLength: n }),
      inbound: fc.array(fc.subarray([...Array(n).keys()]), { minLength: n, maxLength: n }),
      // Same-name services in different namespaces make identities collide unless namespaces are honoured.
      names: fc.array(fc.constantFrom("api", "db", "web", "cache", "queue", "auth", "search"), {
        minLength: n,
        maxLength: n,
      }),
      style: fc.array(fc.boolean(), { minLength: n * n * 2, maxLength: n * n * 2 }),
    }),
  )
  .map(({ namespaces, ports, outbound, inbound, names, style }) => {
    const svcs: Svc[] = [];
    const seen = new Set<string>();
    names.forEach((name, i) => {
      const namespace = namespaces[i] as string;
      const unique = seen.has(`${namespace}/${name}`) ? `${name}-${i}` : name;
      seen.add(`${namespace}/${unique}`);
      svcs.push({
        name: unique,
        namespace,
        ports: ports[i] ?? [],
        outbound: new Set(outbound[i]),
        inbound: new Set(inbound[i]),
      });
    });
    // An inbound declaration needs ports to admit callers on.
    for (const s of svcs) if (s.inbound.size > 0 && s.ports.length === 0) s.ports = [{ port: 8080, protocol: "TCP" }];
    return { svcs, style };
  });

function documentOf(s: Svc, all: Svc[], style: boolean[]): LatticeService {
  const resources: Record<string, object> = {};
  const declare = (direction: "inbound" | "outbound", peerIndex: number, k: number) => {
    const peer = all[peerIndex] as Svc;
    // Either the key names the peer, or an alias key with `id` (and `namespace` across namespaces).
    const plain = peer.namespace === s.namespace && (style[k] ?? true);
    const key = plain ? peer.name : `${direction === "inbound" ? "from" : "to"}-${peerIndex}`;
    resources[plain && resources[key] ? `${key}-${direction}` : key] = {
      type: "service",
      direction,
      ...(plain ? (resources[key] ? { id: peer.name } : {}) : { id: peer.name }),
      ...(peer.namespace !== s.namespace ? { namespace: peer.namespace } : {}),
    };
  };
  let k = 0;
  for (const i of s.outbound) declare("outbound", i, k++);
  for (const i of s.inbound) declare("inbound", i, k++);
  const ports = Object.fromEntries(s.ports.map((p, i) => [`p${i}`, { port: p.port, protocol: p.protocol }]));
  const v = validateDocument(
    {
      apiVersion: "lattice.dev/v1alpha1",
      kind: "LatticeService",
      metadata: { name: s.name, namespace: s.namespace },
      spec: {
        containers: { main: { image: "registry.example/app:1" } },
        ...(s.ports.length ? { service: { ports } } : {}),
        resources,
      },
    },
    { file: `${s.namespace}-${s.name}.yaml`, doc: 1 },
    "LatticeService",
  );
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.value;
}

function compileSet(svcs: Svc[], style: boolean[]): { objects: KubeObject[]; docs: SourcedDocument[] } {
  const docs = svcs.map((s) => ({
    source: { file: `${s.namespace}-${s.name}.yaml`, doc: 1 },
    doc: documentOf(s, svcs, style),
  }));
  const r = compileAll(docs, OPTS);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { objects: r.objects, docs };
}

function verdicts(objects: KubeObject[]) {
  const set = policySetOf(objects);
  const pods = podsOf(objects);
  const pod = (s: Svc) => pods.get(`${s.namespace}/${s.name}`) as PodIdentity;
  return (a: Svc, b: Svc, port: number, protocol: Protocol, mesh: "ambient" | "none") =>
    mayConnect(set, pod(a), pod(b), port, { trustDomain: OPTS.trustDomain, protocol, mesh }).allowed;
}

describe("bilateral agreements, judged from the emitted policies alone", () => {
  it("A→B on P is allowed iff A declares B outbound, B declares A inbound and P is B's", () => {
    fc.assert(
      fc.property(graph, ({ svcs, style }) => {
        const { objects } = compileSet(svcs, style);
        const may = verdicts(objects);
        svcs.forEach((a, i) =>
          svcs.forEach((b, j) => {
            const agreed = a.outbound.has(j) && b.inbound.has(i);
            const probes = [...b.ports, { port: 31337, protocol: "TCP" as const }];
            for (const p of probes)
              for (const mesh of ["ambient", "none"] as const) {
                const expected = agreed && b.ports.some((q) => q.port === p.port && q.protocol === p.protocol);
                const got = may(a, b, p.port, p.protocol, mesh);
                if (got !== expected)
                  throw new Error(
                    `${a.namespace}/${a.name} → ${b.namespace}/${b.name}:${p.port}/${p.protocol} (${mesh}): expected ${expected}, got ${got}`,
                  );
              }
          }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("removing either half of an agreement denies it", () => {
    fc.assert(
      fc.property(graph, fc.nat(), ({ svcs, style }, pick) => {
        const pairs: Array<[number, number]> = [];
        svcs.forEach((a, i) => svcs.forEach((b, j) => a.outbound.has(j) && b.inbound.has(i) && pairs.push([i, j])));
        fc.pre(pairs.length > 0);
        const [i, j] = pairs[pick % pairs.length] as [number, number];
        const a = svcs[i] as Svc;
        const b = svcs[j] as Svc;
        const port = b.ports[0] as { port: number; protocol: Protocol };
        expect(verdicts(compileSet(svcs, style).objects)(a, b, port.port, port.protocol, "ambient")).toBe(true);
        for (const side of ["outbound", "inbound"] as const) {
          const edited = svcs.map((s) => ({ ...s, outbound: new Set(s.outbound), inbound: new Set(s.inbound) }));
          if (side === "outbound") (edited[i] as Svc).outbound.delete(j);
          else (edited[j] as Svc).inbound.delete(i);
          const may = verdicts(compileSet(edited, style).objects);
          for (const mesh of ["ambient", "none"] as const)
            expect([side, mesh, may(a, b, port.port, port.protocol, mesh)]).toEqual([side, mesh, false]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("each service's own half, compiled alone, is exactly what the set compiles to", () => {
    fc.assert(
      fc.property(graph, ({ svcs, style }) => {
        const { objects, docs } = compileSet(svcs, style);
        const halves: KubeObject[] = [];
        for (const { doc } of docs) {
          if (doc.kind !== "LatticeService") continue;
          const h = compileService(doc, OPTS);
          halves.push(...h.workload, ...h.policies);
        }
        for (const ns of [...new Set(svcs.map((s) => s.namespace))].sort())
          halves.push(...compileNamespaceBaseline(ns, resolveOptions(OPTS)));
        const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
        const sorted = (os: KubeObject[]) =>
          [...os].sort((x, y) => (key(x) < key(y) ? -1 : 1)).map((o) => JSON.stringify(o));
        expect(sorted(halves)).toEqual(sorted(objects));
      }),
      { numRuns: 100 },
    );
  });
});
