// The cluster compiler against golden files: every provider × bootstrap (the examples in
// examples/clusters), a multi-pool cluster, and the properties that must hold for every input:
// byte-identical output, order independence, ownership labels, references that resolve.
import { toYamlStream } from "../k8s/serialize";
import type { KubeObject } from "../k8s/object";
import { expectGolden } from "../testing/fixtures";
import { KUBECTL_BY_BOOTSTRAP, renderBootstrapScript } from "./bootstrap-script";
import { compileCluster } from "./compile";
import { NODE_PATHS } from "./link-contract";
import { CLUSTER_LABEL, fnv1a64 } from "./names";
import { COMBINATIONS, GOLDEN_PARENT, exampleWith, validCluster, type BootstrapName } from "./__support__/examples";

const NS = "clusters";
const compile = (doc: Parameters<typeof compileCluster>[0]) =>
  compileCluster(doc, { defaultNamespace: NS, parent: GOLDEN_PARENT });

type FileEntry = { path: string; content?: string };

/** The control plane's bootstrap files (KubeadmControlPlane or RKE2ControlPlane). */
function controlPlaneFiles(objects: readonly KubeObject[]): FileEntry[] {
  const cp = objects.find((o) => o.kind === "KubeadmControlPlane" || o.kind === "RKE2ControlPlane");
  const spec = cp?.spec as { kubeadmConfigSpec?: { files?: FileEntry[] }; files?: FileEntry[] } | undefined;
  return spec?.kubeadmConfigSpec?.files ?? spec?.files ?? [];
}

/** Objects with the node script replaced by a marker naming its size and hash (its text has its own golden). */
function elideScript(objects: readonly KubeObject[]): KubeObject[] {
  const copy = JSON.parse(JSON.stringify(objects)) as KubeObject[];
  for (const f of controlPlaneFiles(copy))
    if (f.path === NODE_PATHS.script && f.content !== undefined)
      f.content = `<renderBootstrapScript output: ${f.content.length} bytes, fnv1a64 ${fnv1a64(f.content)}; see __golden__/bootstrap-*.sh>`;
  return copy;
}

describe("golden: every provider × bootstrap", () => {
  it.each(COMBINATIONS)("%s × %s", (provider, bootstrap) => {
    const doc = exampleWith(provider, bootstrap);
    const objects = compile(doc);
    const script = controlPlaneFiles(objects).find((f) => f.path === NODE_PATHS.script);
    expect(script?.content).toBe(renderBootstrapScript(doc.metadata.name, KUBECTL_BY_BOOTSTRAP[bootstrap]));
    expectGolden(`core/cluster/__golden__/${provider}-${bootstrap}.yaml`, toYamlStream(elideScript(objects)));
  });

  it.each(["kubeadm", "rke2"] as BootstrapName[])("the %s node script", (bootstrap) => {
    expectGolden(
      `core/cluster/__golden__/bootstrap-${bootstrap}.sh`,
      renderBootstrapScript("golden", KUBECTL_BY_BOOTSTRAP[bootstrap]),
    );
  });
});

const MULTI_POOL = {
  apiVersion: "lattice.dev/v1alpha1",
  kind: "LatticeCluster",
  metadata: { name: "pools", namespace: "team-a" },
  spec: {
    provider: { kubernetes: { version: "1.33.1", bootstrap: "kubeadm" }, config: { docker: {} } },
    nodes: {
      controlPlane: { replicas: 3 },
      workers: [
        { name: "general", replicas: 3 },
        { name: "gpu", replicas: 1, labels: { "example.com/accelerator": "nvidia-l4", tier: "batch" } },
        { name: "spare", replicas: 0 },
      ],
    },
  },
};

describe("multi-pool workers", () => {
  const objects = compileCluster(validCluster(MULTI_POOL), { defaultNamespace: NS });
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it("matches its golden", () =>
    expectGolden("core/cluster/__golden__/docker-kubeadm-pools.yaml", toYamlStream(elideScript(objects))));

  it("has one MachineDeployment, machine template and bootstrap template per pool", () => {
    const mds = ofKind("MachineDeployment") as (KubeObject & {
      spec: {
        replicas: number;
        template: { spec: Record<string, { name: string }> & { bootstrap: { configRef: { name: string } } } };
      };
    })[];
    expect(mds.map((m) => [m.metadata.name, m.spec.replicas])).toEqual([
      ["pools-general", 3],
      ["pools-gpu", 1],
      ["pools-spare", 0],
    ]);
    const configs = new Set(ofKind("KubeadmConfigTemplate").map((o) => o.metadata.name));
    const machines = new Set(ofKind("DockerMachineTemplate").map((o) => o.metadata.name));
    expect(configs.size).toBe(3);
    for (const md of mds) {
      expect(configs.has(md.spec.template.spec.bootstrap.configRef.name)).toBe(true);
      expect(machines.has((md.spec.template.spec.infrastructureRef as { name: string }).name)).toBe(true);
    }
  });

  it("labels each pool's nodes with the pool and its own labels", () => {
    const gpu = ofKind("KubeadmConfigTemplate").find((o) => o.metadata.name.startsWith("pools-gpu-"));
    expect(JSON.stringify(gpu)).toContain(
      '"name":"node-labels","value":"example.com/accelerator=nvidia-l4,lattice.dev/pool=gpu,tier=batch"',
    );
  });

  it("puts every object in the document's namespace", () => {
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(["team-a"]));
  });
});

describe("properties", () => {
  it.each(COMBINATIONS)("%s × %s: byte-identical when compiled twice", (provider, bootstrap) => {
    const a = toYamlStream(compile(exampleWith(provider, bootstrap)));
    const b = toYamlStream(compile(exampleWith(provider, bootstrap)));
    expect(a).toBe(b);
  });

  it("does not depend on the order of the pools, nor on list or map form", () => {
    const list = validCluster(MULTI_POOL);
    const reversed = JSON.parse(JSON.stringify(MULTI_POOL)) as typeof MULTI_POOL;
    reversed.spec.nodes.workers.reverse();
    const asMap = JSON.parse(JSON.stringify(MULTI_POOL)) as { spec: { nodes: { workers: unknown } } };
    asMap.spec.nodes.workers = Object.fromEntries(
      MULTI_POOL.spec.nodes.workers.map(({ name, ...rest }) => [name, rest]),
    );
    const render = (d: unknown) => toYamlStream(compileCluster(validCluster(d), { defaultNamespace: NS }));
    expect(render(reversed)).toBe(render(list));
    expect(render(asMap)).toBe(render(list));
  });

  it.each(COMBINATIONS)(
    "%s × %s: every object is owned by the cluster and every reference resolves",
    (provider, bootstrap) => {
      const doc = exampleWith(provider, bootstrap);
      const objects = compile(doc);
      const keys = new Set(objects.map((o) => `${o.apiVersion.split("/")[0]}/${o.kind}/${o.metadata.name}`));
      for (const o of objects) {
        expect(o.metadata.labels).toMatchObject({
          "app.kubernetes.io/managed-by": "lattice",
          "lattice.dev/namespace": NS,
          [CLUSTER_LABEL]: doc.metadata.name,
        });
        if (o.kind !== "AWSClusterStaticIdentity") expect(o.metadata.namespace).toBe(NS);
      }
      const refs: { apiGroup: string; kind: string; name: string }[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
          const r = v as Record<string, unknown>;
          if (typeof r.apiGroup === "string" && typeof r.kind === "string" && typeof r.name === "string")
            refs.push(r as never);
          Object.values(r).forEach(walk);
        }
      };
      walk(objects);
      expect(refs.length).toBeGreaterThanOrEqual(4);
      for (const r of refs) expect(keys).toContain(`${r.apiGroup}/${r.kind}/${r.name}`);
    },
  );

  it("gives a changed machine shape a new template name (templates are immutable) and keeps the rest", () => {
    const doc = exampleWith("aws", "kubeadm");
    const bigger = JSON.parse(JSON.stringify(doc)) as typeof doc;
    bigger.spec.provider.config.aws!.controlPlaneInstanceType = "m6i.2xlarge";
    const names = (d: typeof doc) =>
      compile(validCluster(d))
        .filter((o) => o.kind === "AWSMachineTemplate")
        .map((o) => o.metadata.name);
    const before = names(doc);
    const after = names(bigger);
    expect(after.filter((n) => n.startsWith("prod-eu-control-plane-"))).not.toEqual(
      before.filter((n) => n.startsWith("prod-eu-control-plane-")),
    );
    expect(after.filter((n) => !n.startsWith("prod-eu-control-plane-"))).toEqual(
      before.filter((n) => !n.startsWith("prod-eu-control-plane-")),
    );
  });
});

describe("names never collide", () => {
  it("a worker pool called control-plane with the control plane's machine shape", () => {
    const doc = validCluster({
      ...MULTI_POOL,
      spec: {
        ...MULTI_POOL.spec,
        nodes: { controlPlane: { replicas: 1 }, workers: [{ name: "control-plane", replicas: 1 }] },
      },
    });
    const objects = compileCluster(doc, { defaultNamespace: NS });
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
