// The evaluator against hand-written policies (not compiler output), one semantic rule per case.
import type { KubeObject } from "../k8s/object";
import { mayConnect, mayReachExternal, policySetOf, UnmodeledPolicyError, type PodIdentity } from ".";

const TD = "td.example";
const pod = (namespace: string, app: string, extra: Record<string, string> = {}): PodIdentity => ({
  namespace,
  labels: { app, ...extra },
  serviceAccount: app,
});
const A = pod("ns1", "a");
const B = pod("ns1", "b");
const C = pod("ns1", "c");
const A2 = pod("ns2", "a");

const cnp = (namespace: string, name: string, spec: object): KubeObject => ({
  apiVersion: "cilium.io/v2",
  kind: "CiliumNetworkPolicy",
  metadata: { name, namespace },
  spec,
});
const ccnp = (name: string, spec: object): KubeObject => ({
  apiVersion: "cilium.io/v2",
  kind: "CiliumClusterwideNetworkPolicy",
  metadata: { name },
  spec,
});
const ap = (namespace: string, name: string, spec: object): KubeObject => ({
  apiVersion: "security.istio.io/v1",
  kind: "AuthorizationPolicy",
  metadata: { name, namespace },
  spec,
});
const sel = (app: string) => ({ matchLabels: { app } });

function ok(
  objects: KubeObject[],
  from: PodIdentity,
  to: PodIdentity,
  port: number,
  opts: { mesh?: "ambient" | "none"; protocol?: "TCP" | "UDP" } = {},
) {
  return mayConnect(policySetOf(objects), from, to, port, {
    trustDomain: TD,
    mesh: opts.mesh ?? "none",
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
  }).allowed;
}

describe("Cilium semantics", () => {
  it("no policy: allowed", () => expect(ok([], A, B, 80)).toBe(true));

  it("an ingress rule puts the subject in ingress default deny", () => {
    const p = [cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [sel("c")] }] })];
    expect(ok(p, A, B, 80)).toBe(false);
    expect(ok(p, C, B, 80)).toBe(true);
    expect(ok(p, B, A, 80)).toBe(true); // egress of b and ingress of a are untouched
  });

  it("an egress rule puts the subject in egress default deny", () => {
    const p = [cnp("ns1", "a", { endpointSelector: sel("a"), egress: [{ toEndpoints: [sel("b")] }] })];
    expect(ok(p, A, B, 80)).toBe(true);
    expect(ok(p, A, C, 80)).toBe(false);
  });

  it("enableDefaultDeny: false adds allows without default deny", () => {
    const p = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        enableDefaultDeny: { ingress: false },
        ingress: [{ fromEndpoints: [sel("c")] }],
      }),
    ];
    expect(ok(p, A, B, 80)).toBe(true);
  });

  it("a CNP's peer selector without a namespace means the policy's namespace", () => {
    const p = [cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [sel("a")] }] })];
    expect(ok(p, A, B, 80)).toBe(true);
    expect(ok(p, A2, B, 80)).toBe(false);
    const explicit = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ fromEndpoints: [{ matchLabels: { app: "a", "k8s:io.kubernetes.pod.namespace": "ns2" } }] }],
      }),
    ];
    expect(ok(explicit, A2, B, 80)).toBe(true);
    expect(ok(explicit, A, B, 80)).toBe(false);
  });

  it("a CNP selects subjects in its own namespace only; a CCNP everywhere", () => {
    const deny = (p: KubeObject) => ok([p], A2, B, 80) === false || ok([p], B, A2, 80) === false;
    expect(deny(cnp("ns1", "x", { endpointSelector: sel("a"), egress: [{ toEndpoints: [sel("zzz")] }] }))).toBe(false);
    expect(deny(ccnp("x", { endpointSelector: sel("a"), egress: [{ toEndpoints: [sel("zzz")] }] }))).toBe(true);
  });

  it("a CCNP's peer selector spans namespaces", () => {
    const p = [ccnp("x", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [sel("a")] }] })];
    expect(ok(p, A2, B, 80)).toBe(true);
  });

  it("toPorts: port, endPort and protocol", () => {
    const p = (ports: object[]) => [
      cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [sel("a")], toPorts: [{ ports }] }] }),
    ];
    expect(ok(p([{ port: "80", protocol: "TCP" }]), A, B, 80)).toBe(true);
    expect(ok(p([{ port: "80", protocol: "TCP" }]), A, B, 81)).toBe(false);
    expect(ok(p([{ port: "80", protocol: "UDP" }]), A, B, 80)).toBe(false);
    expect(ok(p([{ port: "80", protocol: "ANY" }]), A, B, 80, { protocol: "UDP" })).toBe(true);
    expect(ok(p([{ port: "8000", endPort: 8100, protocol: "TCP" }]), A, B, 8080)).toBe(true);
    expect(ok(p([{ port: "0", protocol: "TCP" }]), A, B, 12345)).toBe(true);
  });

  it("a rule with ports but no peers admits every peer on those ports", () => {
    const p = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }] }],
      }),
    ];
    expect(ok(p, A2, B, 80)).toBe(true);
    expect(ok(p, A2, B, 81)).toBe(false);
  });

  it("an empty rule allows nothing but still enables default deny", () => {
    expect(ok([cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{}] })], A, B, 80)).toBe(false);
  });

  it("an explicitly empty peer list selects nothing", () => {
    expect(
      ok(
        [
          cnp("ns1", "b", {
            endpointSelector: sel("b"),
            ingress: [{ fromEndpoints: [], toPorts: [{ ports: [{ port: "80" }] }] }],
          }),
        ],
        A,
        B,
        80,
      ),
    ).toBe(false);
  });

  it("deny rules win", () => {
    const p = [
      cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [sel("a")] }] }),
      cnp("ns1", "b-deny", { endpointSelector: sel("b"), ingressDeny: [{ fromEndpoints: [sel("a")] }] }),
    ];
    expect(ok(p, A, B, 80)).toBe(false);
  });

  it("entities: cluster and all match pods, world does not; CIDRs never match pods", () => {
    const p = (rule: object) => [cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [rule] })];
    expect(ok(p({ fromEntities: ["cluster"] }), A2, B, 80)).toBe(true);
    expect(ok(p({ fromEntities: ["all"] }), A2, B, 80)).toBe(true);
    expect(ok(p({ fromEntities: ["world"] }), A2, B, 80)).toBe(false);
    expect(ok(p({ fromCIDR: ["0.0.0.0/0"] }), A2, B, 80)).toBe(false);
  });

  it("selector keys: k8s: and any: prefixes match pod labels, reserved: never does", () => {
    const p = (matchLabels: object) => [
      cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [{ matchLabels }] }] }),
    ];
    expect(ok(p({ "k8s:app": "a" }), A, B, 80)).toBe(true);
    expect(ok(p({ "any:app": "a" }), A, B, 80)).toBe(true);
    expect(ok(p({ "reserved:host": "" }), A, B, 80)).toBe(false);
    expect(ok(p({ "k8s:io.cilium.k8s.policy.serviceaccount": "a" }), A, B, 80)).toBe(true);
  });

  it("matchExpressions", () => {
    const p = (e: object) => [
      cnp("ns1", "b", { endpointSelector: sel("b"), ingress: [{ fromEndpoints: [{ matchExpressions: [e] }] }] }),
    ];
    expect(ok(p({ key: "app", operator: "In", values: ["a", "c"] }), A, B, 80)).toBe(true);
    expect(ok(p({ key: "app", operator: "NotIn", values: ["a"] }), A, B, 80)).toBe(false);
    expect(ok(p({ key: "tier", operator: "DoesNotExist" }), A, B, 80)).toBe(true);
    expect(ok(p({ key: "tier", operator: "Exists" }), A, B, 80)).toBe(false);
  });

  it("refuses what it does not model", () => {
    const named = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ fromEndpoints: [sel("a")], toPorts: [{ ports: [{ port: "http" }] }] }],
      }),
    ];
    expect(() => ok(named, A, B, 80)).toThrow(UnmodeledPolicyError);
    expect(() =>
      policySetOf([cnp("ns1", "x", { endpointSelector: sel("a"), egress: [{ toServices: [{}] }] })]),
    ).toThrow(UnmodeledPolicyError);
    expect(() =>
      policySetOf([ap("ns1", "x", { action: "CUSTOM", provider: { name: "x" }, rules: [{}] })]),
    ).not.toThrow();
    expect(() =>
      ok([ap("ns1", "x", { action: "CUSTOM", provider: { name: "x" }, rules: [{}] })], A, B, 80, { mesh: "ambient" }),
    ).toThrow(UnmodeledPolicyError);
  });
});

describe("Istio (ztunnel) semantics", () => {
  const amb = (objects: KubeObject[], from: PodIdentity, to: PodIdentity, port: number) =>
    ok(objects, from, to, port, { mesh: "ambient" });
  const allowA = (extra: object = {}) =>
    ap("ns1", "b", {
      selector: sel("b"),
      action: "ALLOW",
      rules: [{ from: [{ source: { principals: [`${TD}/ns/ns1/sa/a`] } }], ...extra }],
    });

  it("no policy allows; `spec: {}` allows nothing", () => {
    expect(amb([], A, B, 80)).toBe(true);
    expect(amb([ap("ns1", "deny-all", {})], A, B, 80)).toBe(false);
  });

  it("ALLOW by principal", () => {
    expect(amb([allowA()], A, B, 80)).toBe(true);
    expect(amb([allowA()], C, B, 80)).toBe(false);
    expect(amb([allowA()], A2, B, 80)).toBe(false); // same name, other namespace: other principal
  });

  it("ALLOW with an L7 attribute matches nothing at ztunnel", () => {
    expect(amb([allowA({ to: [{ operation: { methods: ["GET"] } }] })], A, B, 80)).toBe(false);
  });

  it("DENY with an L7 attribute denies at L4", () => {
    const deny = ap("ns1", "d", {
      action: "DENY",
      rules: [
        { from: [{ source: { principals: [`${TD}/ns/ns1/sa/a`] } }], to: [{ operation: { paths: ["/admin"] } }] },
      ],
    });
    expect(amb([deny], A, B, 80)).toBe(false);
    expect(amb([deny], C, B, 80)).toBe(true);
  });

  it("ports, selectors, root namespace, waypoint-bound policies, wildcards, conditions", () => {
    expect(amb([allowA({ to: [{ operation: { ports: ["80"] } }] })], A, B, 80)).toBe(true);
    expect(amb([allowA({ to: [{ operation: { ports: ["80"] } }] })], A, B, 81)).toBe(false);
    expect(amb([ap("ns1", "c-only", { selector: sel("c"), rules: [] })], A, B, 80)).toBe(true);
    expect(amb([ap("istio-system", "mesh", {})], A, B, 80)).toBe(false);
    expect(
      amb([ap("ns1", "wp", { targetRefs: [{ kind: "Service", group: "", name: "b" }], rules: [] })], A, B, 80),
    ).toBe(true);
    expect(
      amb([ap("ns1", "w", { rules: [{ from: [{ source: { principals: [`${TD}/ns/ns1/*`] } }] }] })], A, B, 80),
    ).toBe(true);
    expect(amb([ap("ns1", "w", { rules: [{ from: [{ source: { principals: ["*"] } }] }] })], A2, B, 80)).toBe(true);
    expect(
      amb([ap("ns1", "w", { rules: [{ when: [{ key: "source.namespace", values: ["ns2"] }] }] })], A2, B, 80),
    ).toBe(true);
    expect(amb([ap("ns1", "w", { rules: [{ when: [{ key: "source.namespace", values: ["ns2"] }] }] })], A, B, 80)).toBe(
      false,
    );
  });
});

describe("ambient data path", () => {
  it("Cilium sees in-mesh TCP on the HBONE port 15008, Istio sees the service port", () => {
    const only8080 = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ fromEndpoints: [sel("a")], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
      }),
    ];
    expect(ok(only8080, A, B, 8080, { mesh: "none" })).toBe(true);
    expect(ok(only8080, A, B, 8080, { mesh: "ambient" })).toBe(false);
    const withHbone = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ fromEndpoints: [sel("a")], toPorts: [{ ports: [{ port: "15008", protocol: "TCP" }] }] }],
      }),
    ];
    expect(ok(withHbone, A, B, 8080, { mesh: "ambient" })).toBe(true);
  });

  it("UDP is not captured by ztunnel: Cilium decides on the real port", () => {
    const udp = [
      cnp("ns1", "b", {
        endpointSelector: sel("b"),
        ingress: [{ fromEndpoints: [sel("a")], toPorts: [{ ports: [{ port: "53", protocol: "UDP" }] }] }],
      }),
      ap("ns1", "none", {}),
    ];
    expect(ok(udp, A, B, 53, { mesh: "ambient", protocol: "UDP" })).toBe(true);
  });
});

describe("external destinations", () => {
  const egress = (rules: object[]) => policySetOf([cnp("ns1", "a", { endpointSelector: sel("a"), egress: rules })]);
  const port443 = [{ ports: [{ port: "443", protocol: "TCP" }] }];
  it("toFQDNs by name and pattern", () => {
    expect(
      mayReachExternal(egress([{ toFQDNs: [{ matchName: "api.stripe.com" }], toPorts: port443 }]), A, {
        host: "API.stripe.com",
        port: 443,
      }).allowed,
    ).toBe(true);
    expect(
      mayReachExternal(egress([{ toFQDNs: [{ matchPattern: "*.stripe.com" }], toPorts: port443 }]), A, {
        host: "files.stripe.com",
        port: 443,
      }).allowed,
    ).toBe(true);
    expect(
      mayReachExternal(egress([{ toFQDNs: [{ matchPattern: "*.stripe.com" }], toPorts: port443 }]), A, {
        host: "stripe.com.evil.io",
        port: 443,
      }).allowed,
    ).toBe(false);
  });
  it("toCIDR and toCIDRSet with except", () => {
    expect(mayReachExternal(egress([{ toCIDR: ["10.0.0.0/8"] }]), A, { ip: "10.1.2.3", port: 5432 }).allowed).toBe(
      true,
    );
    expect(
      mayReachExternal(egress([{ toCIDRSet: [{ cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] }] }]), A, {
        ip: "10.1.2.3",
        port: 5432,
      }).allowed,
    ).toBe(false);
    expect(mayReachExternal(egress([{ toEndpoints: [sel("b")] }]), A, { ip: "10.1.2.3", port: 5432 }).allowed).toBe(
      false,
    );
  });
});
