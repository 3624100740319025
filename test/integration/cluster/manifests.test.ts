// Every Cluster API manifest the cluster compiler emits, for every provider × bootstrap, sent to a
// real kube-apiserver with the pinned CRDs (Cluster API v1.14.2 core + kubeadm, CAPD v1.14.4,
// CAPA v2.13.0) as a server-side dry-run apply: the API server validates each object against the
// CRD's schema (types, enums, patterns, CEL rules, and unknown fields, which apply rejects).
// Kinds whose CRDs cannot be obtained here (RKE2, CAPMOX, CAPO) are listed in COVERED_BY_GOLDEN and
// checked by the golden tests in core/cluster instead; any other kind without a CRD fails the test.
import { compileCluster } from "../../../core/cluster";
import { KINDS } from "../../../core/k8s/kinds";
import type { KubeObject } from "../../../core/k8s/object";
import { KubeError } from "../../../kube/client";
import { COMBINATIONS, GOLDEN_PARENT, exampleWith } from "../../../core/cluster/__support__/examples";
import { startCapi, type CapiManager } from "../../harness/capi";
import { loadCrds, type CrdSet } from "../../harness/crds";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";

jest.setTimeout(180_000);

const CRD_SETS: CrdSet[] = ["capi-core", "capi-kubeadm", "capd", "capa"];
const NS = "clusters";

/** Emitted kinds no obtainable CRD serves: validated against their providers' published API by golden tests. */
const COVERED_BY_GOLDEN = new Set([
  "controlplane.cluster.x-k8s.io/v1beta2/RKE2ControlPlane",
  "bootstrap.cluster.x-k8s.io/v1beta2/RKE2ConfigTemplate",
  "infrastructure.cluster.x-k8s.io/v1alpha2/ProxmoxCluster",
  "infrastructure.cluster.x-k8s.io/v1alpha2/ProxmoxMachineTemplate",
  "infrastructure.cluster.x-k8s.io/v1beta1/OpenStackCluster",
  "infrastructure.cluster.x-k8s.io/v1beta1/OpenStackMachineTemplate",
]);

interface CrdInfo {
  group: string;
  plural: string;
  namespaced: boolean;
  served: Set<string>;
}

/** "group/version/Kind" → the CRD serving it, from the CRD objects the control plane installs. */
function servedKinds(): Map<string, CrdInfo> {
  const out = new Map<string, CrdInfo>();
  for (const crd of loadCrds(CRD_SETS)) {
    const spec = crd.spec as {
      group: string;
      scope: string;
      names: { kind: string; plural: string };
      versions: { name: string; served: boolean }[];
    };
    for (const v of spec.versions.filter((x) => x.served))
      out.set(`${spec.group}/${v.name}/${spec.names.kind}`, {
        group: spec.group,
        plural: spec.names.plural,
        namespaced: spec.scope === "Namespaced",
        served: new Set(spec.versions.filter((x) => x.served).map((x) => x.name)),
      });
  }
  return out;
}

const key = (o: KubeObject) => `${o.apiVersion}/${o.kind}`;
const compile = (provider: (typeof COMBINATIONS)[number][0], bootstrap: (typeof COMBINATIONS)[number][1]) =>
  compileCluster(exampleWith(provider, bootstrap), { defaultNamespace: NS, parent: GOLDEN_PARENT });

let cp: ControlPlane;
let served: Map<string, CrdInfo>;

beforeAll(async () => {
  served = servedKinds();
  cp = await startControlPlane({ name: "cluster-manifests", crds: CRD_SETS, controllerManager: false });
  await cp.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
});
afterAll(async () => {
  await cp?.stop();
});

describe("every emitted object is accepted by the API server or explicitly covered by golden tests", () => {
  it.each(COMBINATIONS)("%s × %s", async (provider, bootstrap) => {
    const objects = compile(provider, bootstrap);
    const unserved = objects.filter((o) => !served.has(key(o)));
    for (const o of unserved) expect([key(o), COVERED_BY_GOLDEN.has(key(o))]).toEqual([key(o), true]);
    const validated = objects.filter((o) => served.has(key(o)));
    // Docker and AWS are validated whole: nothing of theirs or of kubeadm is left to the golden tests,
    // only RKE2's bootstrap kinds (no obtainable CRD). The others at least their Cluster API core objects.
    if (provider === "docker" || provider === "aws")
      expect(unserved.map(key).filter((k) => !(bootstrap === "rke2" && /\/RKE2[A-Za-z]+$/.test(k)))).toEqual([]);
    expect(validated.map((o) => o.kind)).toEqual(expect.arrayContaining(["Cluster", "MachineDeployment"]));
    if (bootstrap === "kubeadm")
      expect(validated.map((o) => o.kind)).toEqual(
        expect.arrayContaining(["KubeadmControlPlane", "KubeadmConfigTemplate"]),
      );
    for (const o of validated) {
      const accepted = await cp.client.apply(o, { dryRun: true }).then(
        (r) => r,
        (e: unknown) => {
          throw new Error(`${key(o)} ${o.metadata.name} was rejected: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
      expect(accepted).toMatchObject({ kind: o.kind, metadata: { name: o.metadata.name } });
    }
  });

  it("covers, across the combinations, every kind of the four providers", () => {
    const kinds = new Set(COMBINATIONS.flatMap(([p, b]) => compile(p, b).map(key)));
    for (const k of COVERED_BY_GOLDEN) expect(kinds).toContain(k);
    for (const k of [
      "DockerCluster",
      "DockerMachineTemplate",
      "AWSCluster",
      "AWSMachineTemplate",
      "AWSClusterStaticIdentity",
    ])
      expect([...kinds].some((x) => x.endsWith(`/${k}`) && served.has(x))).toBe(true);
  });

  it("left nothing behind (dry runs only)", async () => {
    expect(await cp.client.list("cluster.x-k8s.io/v1beta2", "Cluster", { namespace: NS })).toEqual([]);
  });
});

test("the kind table's plural and scope match the CRDs for every validated kind", () => {
  const emitted = new Set(COMBINATIONS.flatMap(([p, b]) => compile(p, b).map(key)));
  let checked = 0;
  for (const k of emitted) {
    const crd = served.get(k);
    if (!crd) continue;
    const row = KINDS.get(k);
    expect([k, row?.plural, row?.namespaced]).toEqual([k, crd.plural, crd.namespaced]);
    checked++;
  }
  // Cluster, MachineDeployment, KubeadmControlPlane, KubeadmConfigTemplate, Docker{Cluster,MachineTemplate},
  // AWS{Cluster,MachineTemplate,ClusterStaticIdentity}.
  expect(checked).toBe(9);
});

describe("the validation is real: mutated manifests are rejected, naming the field", () => {
  async function rejection(obj: KubeObject): Promise<KubeError> {
    const err = await cp.client.apply(obj, { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeError);
    return err as KubeError;
  }
  const objectOf = (kind: string) => {
    const o = compile("docker", "kubeadm").find((x) => x.kind === kind);
    if (!o) throw new Error(`no ${kind}`);
    return JSON.parse(JSON.stringify(o)) as KubeObject;
  };

  it("a v1beta1-style reference (apiVersion instead of apiGroup) in a v1beta2 Cluster: an unknown field", async () => {
    const cluster = objectOf("Cluster") as KubeObject & { spec: { infrastructureRef: Record<string, string> } };
    const { apiGroup, ...rest } = cluster.spec.infrastructureRef;
    cluster.spec.infrastructureRef = { ...rest, apiVersion: `${apiGroup}/v1beta2` };
    const err = await rejection(cluster);
    // Server-side apply refuses fields the schema does not declare (as 500, "failed to create typed
    // patch object"): a misspelt field in a builder cannot pass these dry runs.
    expect(err.message).toMatch(/\.spec\.infrastructureRef\.apiVersion: field not declared in schema/);
  });

  it("a kind that breaks the reference's pattern", async () => {
    const cluster = objectOf("Cluster") as KubeObject & { spec: { controlPlaneRef: Record<string, string> } };
    cluster.spec.controlPlaneRef.kind = "Kubeadm Control Plane";
    const err = await rejection(cluster);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/spec\.controlPlaneRef\.kind/);
  });

  it("an empty Secret key in the control plane's token file", async () => {
    const kcp = objectOf("KubeadmControlPlane") as KubeObject & {
      spec: { kubeadmConfigSpec: { files: { contentFrom?: { secret: { key: string } } }[] } };
    };
    const token = kcp.spec.kubeadmConfigSpec.files.find((f) => f.contentFrom);
    token!.contentFrom!.secret.key = "";
    const err = await rejection(kcp);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/spec\.kubeadmConfigSpec\.files\[\d+\]\.contentFrom\.secret\.key/);
  });

  it("and the unmutated objects are accepted", async () => {
    await expect(cp.client.apply(objectOf("Cluster"), { dryRun: true })).resolves.toMatchObject({ kind: "Cluster" });
    await expect(cp.client.apply(objectOf("KubeadmControlPlane"), { dryRun: true })).resolves.toMatchObject({
      kind: "KubeadmControlPlane",
    });
  });
});

describe("with the real Cluster API core manager's webhooks (defaulting and validation)", () => {
  let capiCp: ControlPlane;
  let capi: CapiManager;
  beforeAll(async () => {
    capiCp = await startControlPlane({ name: "cluster-manifests-capi", controllerManager: false });
    capi = await startCapi(capiCp, { providers: ["capi-kubeadm", "capd", "capa"] });
    await capiCp.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  });
  afterAll(async () => {
    await capi?.stop();
    await capiCp?.stop();
  });

  it.each(COMBINATIONS)(
    "%s × %s: the Cluster and MachineDeployments pass the manager's webhooks",
    async (provider, bootstrap) => {
      const core = compile(provider, bootstrap).filter((o) => o.apiVersion.startsWith("cluster.x-k8s.io/"));
      expect(core.map((o) => o.kind)).toEqual(expect.arrayContaining(["Cluster", "MachineDeployment"]));
      for (const o of core) {
        const accepted = await capiCp.client.apply(o, { dryRun: true }).then(
          (r) => r,
          (e: unknown) => {
            throw new Error(`${key(o)} ${o.metadata.name} was rejected: ${e instanceof Error ? e.message : String(e)}`);
          },
        );
        expect(accepted).toMatchObject({ kind: o.kind });
      }
    },
  );

  it("the webhooks are in the path: a MachineDeployment with a non-semver version is denied by Cluster API", async () => {
    const md = JSON.parse(
      JSON.stringify(compile("docker", "kubeadm").find((o) => o.kind === "MachineDeployment")),
    ) as KubeObject & {
      spec: { template: { spec: { version: string } } };
    };
    md.spec.template.spec.version = "latest";
    const err = await capiCp.client.apply(md, { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).message).toMatch(/admission webhook ".*machinedeployment.*cluster\.x-k8s\.io" denied/);
    expect((err as KubeError).message).toMatch(/spec\.template\.spec\.version/);
  });
});
