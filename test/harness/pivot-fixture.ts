// A provisioned cluster's Cluster API objects WITH status, written into a namespace in
// milliseconds and without controllers: the fixture every pivot test moves (issue 14). The
// declarative objects are what Lattice's own compiler renders for a Docker/kubeadm LatticeCluster
// (core/cluster); the rest is what Cluster API and its providers create at run time, with the owner
// references of cluster-api's test/framework/ownerreference_helpers.go (v1.14.4): MachineSet
// controlled by the MachineDeployment, Machines by the MachineSet or the KubeadmControlPlane,
// KubeadmConfigs and DockerMachines by their Machine, bootstrap data Secrets by their KubeadmConfig,
// templates/DockerCluster/KubeadmControlPlane/MachineDeployment owned by the Cluster. Statuses say
// "provisioned" the way clusterctl's preflight reads them (infrastructure provisioned, control plane
// initialized, a nodeRef on every Machine). Names are fixed, so every namespace and every API server
// holds the same identities.
//
// Besides: Secrets <cluster>-{ca,etcd,sa,proxy} with no owner (clusterctl soft-owns them by name),
// <cluster>-kubeconfig controlled by the KubeadmControlPlane, the parent link's
// <cluster>-lattice-bootstrap Secret (labelled as providers/cluster writes it), a ConfigMap labelled
// clusterctl.cluster.x-k8s.io/move, and three objects no mover may take.
import { compileCluster } from "../../core/cluster";
import { GOLDEN_PARENT, validCluster } from "../../core/cluster/__support__/examples";
import type { KubeObject } from "../../core/k8s/object";
import { KubeError, type KubeClient } from "../../kube/client";

export interface FixtureOptions {
  namespace: string;
  cluster?: string;
  controlPlanes?: number;
  workers?: number;
  /** The workload API server the Machines' Nodes live in (default 127.0.0.1:6443). */
  endpoint?: { host: string; port: number };
  /** Content of <cluster>-kubeconfig (default: a placeholder kubeconfig). */
  kubeconfig?: string;
}

/** One object with the keys of its owners (resolved to UIDs when loaded) and the status to write. */
export interface FixtureObject {
  readonly object: KubeObject;
  readonly owners: ReadonlyArray<{ key: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  readonly status?: Record<string, unknown>;
}

export interface Fixture {
  readonly namespace: string;
  readonly cluster: string;
  /** Owners before dependents. */
  readonly objects: readonly FixtureObject[];
  /** Keys ("Kind/name") that a mover must leave in the source. */
  readonly stays: readonly string[];
  /** Names of the Machines, and their providerIDs. */
  readonly machines: ReadonlyArray<{ name: string; providerID: string }>;
}

const CORE = "cluster.x-k8s.io/v1beta2";
const BOOT_GROUP = "bootstrap.cluster.x-k8s.io";
const INFRA_GROUP = "infrastructure.cluster.x-k8s.io";
const TIME = "2026-12-01T00:00:00Z";
const SUFFIXES = [
  "7xk2p",
  "m4q9z",
  "r8t1v",
  "b2n6w",
  "c5j3h",
  "d9f4s",
  "g1l8q",
  "h6p2x",
  "j3v7m",
  "k8w5r",
  "n2z9t",
  "p4c1f",
  "q7d6b",
];
const b64 = (s: string) => Buffer.from(s).toString("base64");
const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
const cond = (type: string, reason: string) => ({
  type,
  status: "True",
  reason,
  message: "",
  lastTransitionTime: TIME,
  observedGeneration: 1,
});

/** The fixture's objects for a namespace (pure; nothing is written). */
export function provisionedCluster(opts: FixtureOptions): Fixture {
  const ns = opts.namespace;
  const name = opts.cluster ?? "edge";
  const cps = opts.controlPlanes ?? 3;
  const workers = opts.workers ?? 10;
  const endpoint = opts.endpoint ?? { host: "127.0.0.1", port: 6443 };
  const doc = validCluster({
    apiVersion: "lattice.dev/v1alpha1",
    kind: "LatticeCluster",
    metadata: { name, namespace: ns },
    spec: {
      provider: { kubernetes: { version: "1.36.3", bootstrap: "kubeadm" }, config: { docker: {} } },
      nodes: { controlPlane: { replicas: cps }, workers: [{ name: "default", replicas: workers }] },
    },
  });
  const compiled = compileCluster(doc, { defaultNamespace: ns, parent: GOLDEN_PARENT });
  const find = (kind: string, pred: (o: KubeObject) => boolean = () => true) => {
    const o = compiled.find((c) => c.kind === kind && pred(c));
    if (!o) throw new Error(`the cluster compiler rendered no ${kind}`);
    return structuredClone(o);
  };
  const cluster = find("Cluster");
  const dockerCluster = find("DockerCluster");
  const kcp = find("KubeadmControlPlane");
  const md = find("MachineDeployment");
  const kct = find("KubeadmConfigTemplate");
  const cpTemplateName = (kcp.spec as { machineTemplate: { spec: { infrastructureRef: { name: string } } } })
    .machineTemplate.spec.infrastructureRef.name;
  const cpTemplate = find("DockerMachineTemplate", (o) => o.metadata.name === cpTemplateName);
  const workerTemplate = find("DockerMachineTemplate", (o) => o.metadata.name !== cpTemplateName);
  const version = (kcp.spec as { version: string }).version;
  const mdSpec = md.spec as {
    template: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> };
  };

  const out: FixtureObject[] = [];
  const add = (object: KubeObject, owners: FixtureObject["owners"] = [], status?: Record<string, unknown>) =>
    out.push({ object, owners, ...(status ? { status } : {}) });
  const clusterOwner = [{ key: keyOf(cluster) }];
  const controlledBy = (o: KubeObject) => [{ key: keyOf(o), controller: true, blockOwnerDeletion: true }];
  const clusterLabel = { "cluster.x-k8s.io/cluster-name": name };

  (cluster.metadata as { finalizers?: string[] }).finalizers = ["cluster.cluster.x-k8s.io"];
  cluster.spec = { ...(cluster.spec as object), controlPlaneEndpoint: endpoint };
  add(cluster, [], {
    initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true },
    conditions: [
      cond("InfrastructureReady", "Ready"),
      cond("ControlPlaneInitialized", "Initialized"),
      cond("ControlPlaneAvailable", "Available"),
    ],
    phase: "Provisioned",
    observedGeneration: 1,
  });
  dockerCluster.metadata.labels = { ...dockerCluster.metadata.labels, ...clusterLabel };
  dockerCluster.spec = { controlPlaneEndpoint: endpoint };
  add(dockerCluster, clusterOwner, { initialization: { provisioned: true } });
  for (const t of [cpTemplate, workerTemplate, kct]) add(t, clusterOwner);
  (kcp.metadata as { finalizers?: string[] }).finalizers = ["kubeadm.controlplane.cluster.x-k8s.io"];
  add(kcp, clusterOwner, {
    initialization: { controlPlaneInitialized: true },
    replicas: cps,
    readyReplicas: cps,
    availableReplicas: cps,
    upToDateReplicas: cps,
    version,
    selector: `cluster.x-k8s.io/cluster-name=${name},cluster.x-k8s.io/control-plane-name=${kcp.metadata.name}`,
    observedGeneration: 1,
  });
  add(md, clusterOwner, {
    replicas: workers,
    readyReplicas: workers,
    availableReplicas: workers,
    upToDateReplicas: workers,
    phase: "Running",
  });

  const hash = "5d8f7b9c4";
  const msName = `${md.metadata.name}-${hash}`;
  const msLabels = { ...mdSpec.template.metadata?.labels, "machine-template-hash": hash };
  const ms: KubeObject = {
    apiVersion: CORE,
    kind: "MachineSet",
    metadata: {
      name: msName,
      namespace: ns,
      labels: msLabels,
      annotations: {
        "machinedeployment.clusters.x-k8s.io/revision": "1",
        "machinedeployment.clusters.x-k8s.io/desired-replicas": String(workers),
        "machinedeployment.clusters.x-k8s.io/max-replicas": String(workers + 1),
      },
    },
    spec: {
      clusterName: name,
      replicas: workers,
      selector: { matchLabels: msLabels },
      template: { metadata: { labels: msLabels }, spec: mdSpec.template.spec },
    },
  };
  add(ms, controlledBy(md), {
    replicas: workers,
    readyReplicas: workers,
    availableReplicas: workers,
    upToDateReplicas: workers,
    selector: Object.entries(msLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  });

  const kcpSpec = (kcp.spec as { kubeadmConfigSpec: Record<string, unknown> }).kubeadmConfigSpec;
  const kctSpec = (kct.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  const machines: { name: string; providerID: string }[] = [];
  const machine = (
    mName: string,
    owner: KubeObject,
    labels: Record<string, string>,
    configSpec: Record<string, unknown>,
  ) => {
    const providerID = `lattice-sim:///${name}/${mName}`;
    machines.push({ name: mName, providerID });
    const m: KubeObject = {
      apiVersion: CORE,
      kind: "Machine",
      metadata: { name: mName, namespace: ns, labels, finalizers: ["machine.cluster.x-k8s.io"] } as never,
      spec: {
        clusterName: name,
        version,
        bootstrap: { configRef: { apiGroup: BOOT_GROUP, kind: "KubeadmConfig", name: mName }, dataSecretName: mName },
        infrastructureRef: { apiGroup: INFRA_GROUP, kind: "DockerMachine", name: mName },
        providerID,
      },
    };
    add(m, controlledBy(owner), {
      nodeRef: { name: mName },
      phase: "Running",
      initialization: { infrastructureProvisioned: true, bootstrapDataSecretCreated: true },
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      observedGeneration: 1,
    });
    const config: KubeObject = {
      apiVersion: `${BOOT_GROUP}/v1beta2`,
      kind: "KubeadmConfig",
      metadata: { name: mName, namespace: ns, labels } as never,
      spec: configSpec,
    };
    add(config, controlledBy(m), {
      initialization: { dataSecretCreated: true },
      dataSecretName: mName,
      observedGeneration: 1,
    });
    add(
      {
        apiVersion: `${INFRA_GROUP}/v1beta2`,
        kind: "DockerMachine",
        metadata: {
          name: mName,
          namespace: ns,
          labels,
          finalizers: ["dockermachine.infrastructure.cluster.x-k8s.io"],
        } as never,
        spec: { providerID },
      },
      controlledBy(m),
      { initialization: { provisioned: true }, addresses: [{ type: "InternalIP", address: "127.0.0.1" }] },
    );
    add(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "cluster.x-k8s.io/secret",
        metadata: { name: mName, namespace: ns, labels: clusterLabel },
        data: { value: b64(`## template: jinja\n#cloud-config\n# ${mName}\n`), format: b64("cloud-config") },
      },
      controlledBy(config),
    );
  };
  const cpLabels = {
    ...clusterLabel,
    "cluster.x-k8s.io/control-plane": "",
    "cluster.x-k8s.io/control-plane-name": kcp.metadata.name,
  };
  for (let i = 0; i < cps; i++) {
    const spec = structuredClone(kcpSpec);
    if (i > 0) delete spec.initConfiguration;
    machine(
      `${kcp.metadata.name}-${SUFFIXES[i % SUFFIXES.length]}${i >= SUFFIXES.length ? i : ""}`,
      kcp,
      cpLabels,
      spec,
    );
  }
  for (let i = 0; i < workers; i++)
    machine(
      `${msName}-${SUFFIXES[(i + 3) % SUFFIXES.length]}${i + 3 >= SUFFIXES.length ? i : ""}`,
      ms,
      { ...msLabels, "cluster.x-k8s.io/set-name": msName },
      structuredClone(kctSpec),
    );

  const secret = (
    sName: string,
    data: Record<string, string>,
    owners: FixtureObject["owners"] = [],
    labels: Record<string, string> = clusterLabel,
  ) =>
    add(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "cluster.x-k8s.io/secret",
        metadata: { name: sName, namespace: ns, labels },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
      },
      owners,
    );
  for (const purpose of ["ca", "etcd", "sa", "proxy"])
    secret(`${name}-${purpose}`, {
      "tls.crt": `-----BEGIN CERTIFICATE-----\n${name}-${purpose}\n-----END CERTIFICATE-----\n`,
      "tls.key": `${name}-${purpose}-key`,
    });
  secret(
    `${name}-kubeconfig`,
    { value: opts.kubeconfig ?? `apiVersion: v1\nkind: Config\n# ${name}\n` },
    controlledBy(kcp),
  );
  add({
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: `${name}-lattice-bootstrap`,
      namespace: ns,
      labels: {
        "app.kubernetes.io/managed-by": "lattice",
        "lattice.dev/cluster": name,
        "clusterctl.cluster.x-k8s.io/move": "",
        "cluster.x-k8s.io/cluster-name": name,
      },
    },
    data: {
      token: b64("fixture-token"),
      endpoint: b64(GOLDEN_PARENT.bootstrapUrl),
      "ca.crt": b64(GOLDEN_PARENT.caPem),
    },
  });
  add({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: `${name}-haproxy`,
      namespace: ns,
      labels: { ...clusterLabel, "clusterctl.cluster.x-k8s.io/move": "" },
    },
    data: { "haproxy.cfg": "frontend control-plane\n  bind *:6443\n" },
  });

  // What no mover may take: not owned, not named for a Cluster's purpose, not labelled.
  const stays: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "unrelated", namespace: ns },
      data: { x: b64("1") },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "other-kubeconfig", namespace: ns },
      data: { value: b64("other") },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: ns }, data: { a: "b" } },
  ];
  for (const s of stays) add(s);
  return { namespace: ns, cluster: name, objects: out, stays: stays.map(keyOf), machines };
}

/**
 * Write the fixture: the namespace, then the objects (owners first; owner references resolved to
 * the new UIDs), then every status through the status subresource. Returns the UIDs by "Kind/name".
 */
export async function loadFixture(kube: KubeClient, fixture: Fixture): Promise<Map<string, string>> {
  try {
    await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: fixture.namespace } });
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
  }
  const uids = new Map<string, string>();
  let pending = [...fixture.objects];
  while (pending.length) {
    const ready = pending.filter((f) => f.owners.every((o) => uids.has(o.key)));
    if (!ready.length)
      throw new Error(`fixture: unresolvable owners in ${pending.map((f) => keyOf(f.object)).join(", ")}`);
    await Promise.all(
      ready.map(async (f) => {
        const body = structuredClone(f.object);
        if (f.owners.length)
          (body.metadata as { ownerReferences?: unknown[] }).ownerReferences = f.owners.map((o) => {
            const owner = fixture.objects.find((x) => keyOf(x.object) === o.key)!.object;
            return {
              apiVersion: owner.apiVersion,
              kind: owner.kind,
              name: owner.metadata.name,
              uid: uids.get(o.key),
              ...(o.controller !== undefined ? { controller: o.controller } : {}),
              ...(o.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: o.blockOwnerDeletion } : {}),
            };
          });
        const live = await kube.create(body);
        uids.set(keyOf(f.object), (live.metadata as { uid?: string }).uid ?? "");
      }),
    );
    pending = pending.filter((f) => !uids.has(keyOf(f.object)));
  }
  await Promise.all(
    fixture.objects
      .filter((f) => f.status)
      .map(async (f) => {
        const o = f.object;
        const path = await kube.pathOf(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
        await kube.request(
          "PATCH",
          `${path}/status?fieldManager=lattice-fixture`,
          { status: f.status },
          "application/merge-patch+json",
        );
      }),
  );
  return uids;
}
