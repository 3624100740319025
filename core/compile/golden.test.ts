// Golden tests: every example and fixture compiled with compileAll and rendered as YAML, compared
// byte for byte with core/compile/__golden__/<name>.yaml (UPDATE_GOLDEN=1 rewrites them; review
// the diff). Each scenario also states, through the policy evaluator, what the objects must mean.
import { mayConnect, mayReachExternal, podsOf, policySetOf, type PodIdentity } from "../policy-eval";
import { toYamlStream } from "../k8s/serialize";
import { expectGolden, loadValid, TEST_OPTIONS } from "../testing/fixtures";
import { compileAll } from ".";

function compile(...paths: string[]) {
  const r = compileAll(loadValid(...paths), TEST_OPTIONS);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.objects;
}

function reach(objects: ReturnType<typeof compile>) {
  const set = policySetOf(objects);
  const pods = podsOf(objects);
  const pod = (ref: string): PodIdentity => {
    const p = pods.get(ref);
    if (!p) throw new Error(`no pod ${ref}`);
    return p;
  };
  return {
    allowed: (from: string, to: string, port: number) =>
      mayConnect(set, pod(from), pod(to), port, TEST_OPTIONS).allowed,
    external: (from: string, host: string, port: number) => mayReachExternal(set, pod(from), { host, port }).allowed,
  };
}

const SCENARIOS: Array<[name: string, paths: string[]]> = [
  ["webapp", ["examples/webapp"]],
  ["external-allowed", ["examples/external"]],
  ["external-not-allowed", ["core/compile/__fixtures__/external-not-allowed"]],
  ["shared-volume", ["examples/shared-volume"]],
  ["cross-namespace", ["examples/cross-namespace"]],
  ["one-sided", ["core/compile/__fixtures__/one-sided"]],
];

describe("golden output", () => {
  it.each(SCENARIOS)("%s", (name, paths) => {
    expectGolden(`core/compile/__golden__/${name}.yaml`, toYamlStream(compile(...paths)));
  });

  it("cluster documents compile alongside services without changing the services' objects", () => {
    const withClusters = new Set(compile("examples/webapp", "examples/clusters").map((o) => JSON.stringify(o)));
    for (const o of compile("examples/webapp")) expect(withClusters.has(JSON.stringify(o))).toBe(true);
  });
});

describe("what the golden objects mean", () => {
  it("webapp: exactly the declared edges are open", () => {
    const r = reach(compile("examples/webapp"));
    const edges: Array<[string, string, number]> = [
      ["webapp/frontend", "webapp/api", 3000],
      ["webapp/api", "webapp/postgres", 5432],
      ["webapp/api", "webapp/redis", 6379],
      ["webapp/worker", "webapp/api", 3000],
      ["webapp/worker", "webapp/postgres", 5432],
      ["webapp/worker", "webapp/redis", 6379],
    ];
    for (const [from, to, port] of edges) expect([from, to, r.allowed(from, to, port)]).toEqual([from, to, true]);
    const services = ["frontend", "api", "postgres", "redis", "worker"].map((s) => `webapp/${s}`);
    const ports: Record<string, number> = {
      "webapp/frontend": 8080,
      "webapp/api": 3000,
      "webapp/postgres": 5432,
      "webapp/redis": 6379,
      "webapp/worker": 8080,
    };
    for (const from of services)
      for (const to of services) {
        const declared = edges.some(([f, t]) => f === from && t === to);
        expect([from, to, r.allowed(from, to, ports[to] as number)]).toEqual([from, to, declared]);
      }
    // The right peer on the wrong port is still denied (by the callee's AuthorizationPolicy).
    expect(r.allowed("webapp/api", "webapp/postgres", 22)).toBe(false);
  });

  it("external allowed: payment-service reaches api.stripe.com:443 and nothing else", () => {
    const r = reach(compile("examples/external"));
    expect(r.external("shop/payment-service", "api.stripe.com", 443)).toBe(true);
    expect(r.external("shop/payment-service", "api.stripe.com", 80)).toBe(false);
    expect(r.external("shop/payment-service", "evil.example.com", 443)).toBe(false);
  });

  it("external not allowed: a one-sided external agreement opens nothing", () => {
    const r = reach(compile("core/compile/__fixtures__/external-not-allowed"));
    expect(r.external("shop/payment-service", "api.stripe.com", 443)).toBe(false); // declared, not listed
    expect(r.external("shop/refunds", "api.stripe.com", 443)).toBe(false); // listed, not declared
  });

  it("one-sided declarations are denied", () => {
    const r = reach(compile("core/compile/__fixtures__/one-sided"));
    expect(r.allowed("shop/orders", "shop/billing", 8080)).toBe(false);
    expect(r.allowed("shop/audit", "shop/billing", 8080)).toBe(false);
  });

  it("cross-namespace: storefront reaches catalog, catalog reaches its external relay", () => {
    const r = reach(compile("examples/cross-namespace"));
    expect(r.allowed("web/storefront", "backend/catalog", 8080)).toBe(true);
    expect(r.allowed("backend/catalog", "web/storefront", 8080)).toBe(false);
    expect(r.external("backend/catalog", "smtp.mailprovider.example", 587)).toBe(true);
    expect(r.external("web/storefront", "smtp.mailprovider.example", 587)).toBe(false);
  });

  it("shared volume: the consumer is scheduled onto the owner's node and mounts the owner's claim", () => {
    const objects = compile("examples/shared-volume");
    const claims = objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name);
    expect(claims).toEqual(["shared-media"]);
    const deployment = (name: string) =>
      objects.find((o) => o.kind === "Deployment" && o.metadata.name === name) as unknown as {
        spec: {
          template: {
            metadata: { labels: Record<string, string> };
            spec: {
              affinity?: {
                podAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: Array<{
                    labelSelector: { matchLabels: Record<string, string> };
                  }>;
                };
              };
              volumes: Array<{ persistentVolumeClaim: { claimName: string } }>;
            };
          };
        };
      };
    const owner = deployment("media-server").spec.template;
    const consumer = deployment("transcoder").spec.template;
    const term = consumer.spec.affinity?.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    for (const [k, v] of Object.entries(term?.labelSelector.matchLabels ?? {}))
      expect(owner.metadata.labels[k]).toBe(v);
    expect(term).toBeDefined();
    expect(owner.spec.affinity).toBeUndefined();
    expect(consumer.spec.volumes[0]?.persistentVolumeClaim.claimName).toBe("shared-media");
  });
});
