// TEST-ONLY MACHINE SIMULATOR. No VMs exist on the test bed, so this small loop plays the Cluster
// API providers that would drive machines, and nothing else:
//   - infrastructure provider (CAPD's role): DockerCluster gets its control-plane endpoint (the
//     child API server) and `initialization.provisioned`; a DockerMachine gets a providerID,
//     addresses and `provisioned` once its Machine has bootstrap data — and its "node boots": a Node
//     with that providerID appears in the child API server, Ready;
//   - bootstrap provider (CABPK's role): a KubeadmConfig gets its data Secret (files, with
//     `contentFrom` resolved from the parent's Secrets as CABPK does, and the post-kubeadm commands);
//   - control-plane provider (KCP's role): creates the control-plane Machines (with their
//     KubeadmConfig and DockerMachine), writes `<cluster>-kubeconfig` pointing at the child API
//     server, and keeps KubeadmControlPlane's status contract.
// The REAL Cluster API core controllers do the rest (MachineDeployments → MachineSets → Machines,
// nodeRefs, phases, conditions, deletion). The simulator writes only statuses no running controller
// owns: DockerCluster, DockerMachine, KubeadmConfig, KubeadmControlPlane — never Cluster, Machine,
// MachineSet or MachineDeployment status. What a control-plane node runs after kubeadm (the parent
// link's bootstrap) is the `bootNode` hook (see ./node-boot.ts).
// Like the providers it stands for, it honours pause: nothing of a Cluster with spec.paused or the
// cluster.x-k8s.io/paused annotation (or of an object carrying that annotation) is touched. And it
// rebuilds the statuses it owns when they are missing — after a pivot, where status is never
// copied — from what exists (a Machine that already names its bootstrap data keeps it, as CABPK
// does). One instance runs per management cluster (`parent`): a self-managed child runs its own.
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import type { LocalControlPlane as ControlPlane } from "../../install/bootstrap/controlplane";

const INFRA = "infrastructure.cluster.x-k8s.io/v1beta2";
const BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta2";
const CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta2";
const CORE = "cluster.x-k8s.io/v1beta2";
const CLUSTER_NAME = "cluster.x-k8s.io/cluster-name";
const CP_LABEL = "cluster.x-k8s.io/control-plane";
const CP_NAME = "cluster.x-k8s.io/control-plane-name";
const MANAGER = "lattice-machine-simulator";
const KCP_FINALIZER = "kubeadm.controlplane.cluster.x-k8s.io";

/** A control-plane node that finished kubeadm: what it would run next. */
export interface NodeBoot {
  cluster: string;
  machine: string;
  child: ControlPlane;
  /** Files of its bootstrap data (contentFrom resolved), by path. */
  files: Record<string, string>;
  /** Its post-kubeadm commands, in order. */
  commands: string[];
}

export interface SimulatorOptions {
  /** The management cluster whose Cluster API objects it plays the providers for. */
  parent: KubeClient;
  /** The child API server standing for a cluster (by Cluster name), once it "exists". */
  childOf: (cluster: string) => ControlPlane | undefined;
  /** Runs once per control-plane machine, after its Node is Ready. */
  bootNode?: (boot: NodeBoot) => Promise<void>;
  /** A stuck cloud: infrastructure is never provisioned. */
  stallInfrastructure?: boolean;
  intervalMs?: number;
}

export interface MachineSimulator {
  /** What the simulator did and every error it met, for test diagnostics. */
  readonly log: string[];
  stop(): Promise<void>;
}

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const ownerRef = (o: KubeObject, controller = true) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: (o.metadata as { uid?: string }).uid,
  controller,
  blockOwnerDeletion: true,
});
const suffix = () => randomBytes(3).toString("hex");
const PAUSED = "cluster.x-k8s.io/paused";
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Start the loop; it reconciles every `intervalMs` until stopped. */
export function startMachineSimulator(opts: SimulatorOptions): MachineSimulator {
  const log: string[] = [];
  const booted = new Set<string>();
  let stopped = false;
  const k = opts.parent;
  const status = (o: KubeObject, body: Record<string, unknown>) =>
    k.applyStatus(
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, namespace: o.metadata.namespace! },
        status: body,
      },
      MANAGER,
    );
  const apply = (o: KubeObject) => k.apply(o, { fieldManager: MANAGER });
  /** Paused Clusters ("namespace/name"), read once per pass. */
  let pausedClusters = new Set<string>();
  async function readPaused(): Promise<void> {
    const clusters = (await k.list(CORE, "Cluster")) as Obj[];
    pausedClusters = new Set(
      clusters
        .filter((c) => c.spec?.paused === true || PAUSED in (c.metadata.annotations ?? {}))
        .map((c) => `${c.metadata.namespace}/${c.metadata.name}`),
    );
  }
  /** True when the object or its Cluster is paused: hands off, as every provider must. */
  const paused = (o: KubeObject, cluster = o.metadata.labels?.[CLUSTER_NAME]): boolean =>
    PAUSED in (o.metadata.annotations ?? {}) || (!!cluster && pausedClusters.has(`${o.metadata.namespace}/${cluster}`));

  async function infraClusters(): Promise<void> {
    for (const dc of (await k.list(INFRA, "DockerCluster")) as Obj[]) {
      const cluster = dc.metadata.labels?.[CLUSTER_NAME];
      const child = cluster ? opts.childOf(cluster) : undefined;
      if (!child || opts.stallInfrastructure || (dc.metadata as { deletionTimestamp?: string }).deletionTimestamp)
        continue;
      if (paused(dc)) continue;
      if (!(dc.spec?.controlPlaneEndpoint as { host?: string } | undefined)?.host) {
        await apply({
          apiVersion: INFRA,
          kind: "DockerCluster",
          metadata: { name: dc.metadata.name, namespace: dc.metadata.namespace! },
          spec: { controlPlaneEndpoint: { host: "127.0.0.1", port: child.port } },
        });
        log.push(`DockerCluster ${dc.metadata.name}: endpoint 127.0.0.1:${child.port}`);
      }
      if (!(dc.status?.initialization as { provisioned?: boolean } | undefined)?.provisioned)
        await status(dc, { initialization: { provisioned: true } });
    }
  }

  // As KCP does: owned by the control plane, so it goes (garbage collection) when the cluster goes.
  async function kubeconfigSecret(cluster: Obj, kcp: Obj, child: ControlPlane): Promise<void> {
    const name = `${cluster.metadata.name}-kubeconfig`;
    await k.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        type: "cluster.x-k8s.io/secret",
        metadata: {
          name,
          namespace: cluster.metadata.namespace!,
          labels: { [CLUSTER_NAME]: cluster.metadata.name },
          ownerReferences: [ownerRef(kcp)],
        } as never,
        data: { value: b64(child.kubeconfig) },
      },
      { fieldManager: MANAGER },
    );
  }

  async function controlPlanes(): Promise<void> {
    for (const kcp of (await k.list(CONTROLPLANE, "KubeadmControlPlane")) as Obj[]) {
      const ns = kcp.metadata.namespace!;
      const ownerName = (
        (kcp.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences ?? []
      ).find((r) => r.kind === "Cluster")?.name;
      if (paused(kcp, ownerName ?? kcp.metadata.labels?.[CLUSTER_NAME])) continue;
      if ((kcp.metadata as { deletionTimestamp?: string }).deletionTimestamp) {
        await deleteControlPlane(kcp);
        continue;
      }
      if (!(kcp.metadata as { finalizers?: string[] }).finalizers?.includes(KCP_FINALIZER))
        await k.request(
          "PATCH",
          await k.pathOf(CONTROLPLANE, "KubeadmControlPlane", ns, kcp.metadata.name),
          {
            metadata: {
              finalizers: [...((kcp.metadata as { finalizers?: string[] }).finalizers ?? []), KCP_FINALIZER],
            },
          },
          "application/merge-patch+json",
        );
      const owner = (
        (kcp.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences ?? []
      ).find((r) => r.kind === "Cluster");
      if (!owner) continue; // CAPI sets the Cluster as owner once it has seen the control plane
      const cluster = (await k.get({ apiVersion: CORE, kind: "Cluster", name: owner.name, namespace: ns })) as Obj;
      const child = opts.childOf(cluster.metadata.name);
      const endpoint = (cluster.spec?.controlPlaneEndpoint as { host?: string } | undefined)?.host;
      if (!child || !endpoint) continue;
      await kubeconfigSecret(cluster, kcp, child);
      const machines = (
        (await k.list(CORE, "Machine", { namespace: ns, labelSelector: `${CP_NAME}=${kcp.metadata.name}` })) as Obj[]
      ).filter((m) => !(m.metadata as { deletionTimestamp?: string }).deletionTimestamp);
      const want = Number(kcp.spec?.replicas ?? 1);
      if (machines.length < want) await createControlPlaneMachine(kcp, cluster.metadata.name, machines.length === 0);
      const nodes = new Set((await child.client.list("v1", "Node")).map((n) => n.metadata.name));
      const ready = machines.filter((m) => nodes.has(m.metadata.name)).length;
      await status(kcp, {
        initialization: { controlPlaneInitialized: ready > 0 },
        replicas: machines.length,
        readyReplicas: ready,
        availableReplicas: ready,
        upToDateReplicas: machines.length,
        version: kcp.spec?.version,
        selector: `${CLUSTER_NAME}=${cluster.metadata.name},${CP_NAME}=${kcp.metadata.name}`,
      });
    }
  }

  // As KCP does on deletion: delete its Machines (the real machine controller drains and removes
  // them, through the kubeconfig Secret this KCP owns), then let the KCP go.
  async function deleteControlPlane(kcp: Obj): Promise<void> {
    const ns = kcp.metadata.namespace!;
    const machines = await k.list(CORE, "Machine", { namespace: ns, labelSelector: `${CP_NAME}=${kcp.metadata.name}` });
    for (const m of machines)
      if (!(m.metadata as { deletionTimestamp?: string }).deletionTimestamp)
        await k.delete({ apiVersion: CORE, kind: "Machine", name: m.metadata.name, namespace: ns });
    if (machines.length > 0) return;
    const finalizers = ((kcp.metadata as { finalizers?: string[] }).finalizers ?? []).filter(
      (f) => f !== KCP_FINALIZER,
    );
    await k.request(
      "PATCH",
      await k.pathOf(CONTROLPLANE, "KubeadmControlPlane", ns, kcp.metadata.name),
      { metadata: { finalizers } },
      "application/merge-patch+json",
    );
    log.push(`KubeadmControlPlane ${kcp.metadata.name}: machines gone, finalizer removed`);
  }

  async function createControlPlaneMachine(kcp: Obj, cluster: string, first: boolean): Promise<void> {
    const ns = kcp.metadata.namespace!;
    const name = `${kcp.metadata.name}-${suffix()}`;
    const labels = { [CLUSTER_NAME]: cluster, [CP_LABEL]: "", [CP_NAME]: kcp.metadata.name };
    const tmpl = (kcp.spec?.machineTemplate as { spec: { infrastructureRef: { name: string } } }).spec
      .infrastructureRef;
    const template = (await k.get({
      apiVersion: INFRA,
      kind: "DockerMachineTemplate",
      name: tmpl.name,
      namespace: ns,
    })) as Obj;
    const configSpec = { ...(kcp.spec?.kubeadmConfigSpec as Record<string, unknown>) };
    if (!first) delete configSpec.initConfiguration;
    await k.create({
      apiVersion: BOOTSTRAP,
      kind: "KubeadmConfig",
      metadata: { name, namespace: ns, labels, ownerReferences: [ownerRef(kcp)] } as never,
      spec: configSpec,
    });
    await k.create({
      apiVersion: INFRA,
      kind: "DockerMachine",
      metadata: { name, namespace: ns, labels, ownerReferences: [ownerRef(kcp)] } as never,
      spec: (template.spec as { template: { spec: unknown } }).template.spec,
    });
    await k.create({
      apiVersion: CORE,
      kind: "Machine",
      metadata: { name, namespace: ns, labels, ownerReferences: [ownerRef(kcp)] } as never,
      spec: {
        clusterName: cluster,
        version: kcp.spec?.version,
        bootstrap: { configRef: { apiGroup: "bootstrap.cluster.x-k8s.io", kind: "KubeadmConfig", name } },
        infrastructureRef: { apiGroup: "infrastructure.cluster.x-k8s.io", kind: "DockerMachine", name },
      },
    });
    log.push(`KubeadmControlPlane ${kcp.metadata.name}: created Machine ${name}`);
  }

  async function bootstrapConfigs(): Promise<void> {
    for (const cfg of (await k.list(BOOTSTRAP, "KubeadmConfig")) as Obj[]) {
      if ((cfg.status as { dataSecretName?: string } | undefined)?.dataSecretName) continue;
      if (paused(cfg)) continue;
      const ns = cfg.metadata.namespace!;
      // Status lost (a pivot copies none): a Machine that already names its data keeps it (CABPK
      // restores the status from the Machine instead of rendering again).
      const owner = (
        (cfg.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences ?? []
      ).find((r) => r.kind === "Machine");
      const machine = owner
        ? ((await k.getOrUndefined({ apiVersion: CORE, kind: "Machine", name: owner.name, namespace: ns })) as
            Obj | undefined)
        : undefined;
      const existing = (machine?.spec?.bootstrap as { dataSecretName?: string } | undefined)?.dataSecretName;
      if (existing && (await k.getOrUndefined({ apiVersion: "v1", kind: "Secret", name: existing, namespace: ns }))) {
        await status(cfg, { initialization: { dataSecretCreated: true }, dataSecretName: existing });
        log.push(`KubeadmConfig ${cfg.metadata.name}: status rebuilt (data Secret ${existing} exists)`);
        continue;
      }
      const files: { path: string; permissions?: string; content: string }[] = [];
      for (const f of (cfg.spec?.files ?? []) as {
        path: string;
        permissions?: string;
        content?: string;
        contentFrom?: { secret: { name: string; key: string } };
      }[]) {
        let content = f.content ?? "";
        if (f.contentFrom) {
          const secret = await k.getOrUndefined({
            apiVersion: "v1",
            kind: "Secret",
            name: f.contentFrom.secret.name,
            namespace: ns,
          });
          const data = (secret?.data as Record<string, string> | undefined)?.[f.contentFrom.secret.key];
          if (data === undefined) {
            log.push(
              `KubeadmConfig ${cfg.metadata.name}: waiting for Secret ${f.contentFrom.secret.name} key ${f.contentFrom.secret.key}`,
            );
            content = "";
            continue;
          }
          content = Buffer.from(data, "base64").toString("utf8");
        }
        files.push({ path: f.path, ...(f.permissions ? { permissions: f.permissions } : {}), content });
      }
      const cloudConfig =
        "## template: jinja\n#cloud-config\n" +
        stringify({ write_files: files, runcmd: (cfg.spec?.postKubeadmCommands as string[] | undefined) ?? [] });
      await k.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          type: "cluster.x-k8s.io/secret",
          metadata: {
            name: cfg.metadata.name,
            namespace: ns,
            labels: { [CLUSTER_NAME]: cfg.metadata.labels?.[CLUSTER_NAME] ?? "" },
            ownerReferences: [ownerRef(cfg)],
          } as never,
          data: { value: b64(cloudConfig), format: b64("cloud-config") },
        },
        { fieldManager: MANAGER },
      );
      await status(cfg, { initialization: { dataSecretCreated: true }, dataSecretName: cfg.metadata.name });
      log.push(`KubeadmConfig ${cfg.metadata.name}: bootstrap data written`);
    }
  }

  async function infraMachines(): Promise<void> {
    for (const dm of (await k.list(INFRA, "DockerMachine")) as Obj[]) {
      if (opts.stallInfrastructure || (dm.metadata as { deletionTimestamp?: string }).deletionTimestamp) continue;
      if (paused(dm)) continue;
      const ns = dm.metadata.namespace!;
      const machineName =
        ((dm.metadata as { ownerReferences?: { kind: string; name: string }[] }).ownerReferences ?? []).find(
          (r) => r.kind === "Machine",
        )?.name ?? dm.metadata.name;
      const machine = (await k.getOrUndefined({
        apiVersion: CORE,
        kind: "Machine",
        name: machineName,
        namespace: ns,
      })) as Obj | undefined;
      const dataSecret = (machine?.spec?.bootstrap as { dataSecretName?: string } | undefined)?.dataSecretName;
      const cluster = dm.metadata.labels?.[CLUSTER_NAME];
      const child = cluster ? opts.childOf(cluster) : undefined;
      if (!machine || !dataSecret || !child) continue;
      const providerID = `lattice-sim:///${cluster}/${machine.metadata.name}`;
      if (dm.spec?.providerID !== providerID)
        await apply({
          apiVersion: INFRA,
          kind: "DockerMachine",
          metadata: { name: dm.metadata.name, namespace: ns },
          spec: { providerID },
        });
      // Written when the machine is provisioned, and again whenever it is missing (after a pivot).
      if (
        dm.spec?.providerID !== providerID ||
        !(dm.status?.initialization as { provisioned?: boolean } | undefined)?.provisioned
      )
        await status(dm, {
          initialization: { provisioned: true },
          addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        });
      await bootNode(child, machine, providerID, dataSecret);
    }
  }

  async function bootNode(child: ControlPlane, machine: Obj, providerID: string, dataSecret: string): Promise<void> {
    const name = machine.metadata.name;
    const controlPlane = machine.metadata.labels?.[CP_LABEL] !== undefined;
    if (!(await child.client.getOrUndefined({ apiVersion: "v1", kind: "Node", name }))) {
      await child.client.apply(
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name,
            labels: {
              "kubernetes.io/hostname": name,
              ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
            },
          },
          spec: { providerID },
        },
        { fieldManager: "kubelet" },
      );
      log.push(`Node ${name}: registered in the child`);
    }
    await child.client.applyStatus(
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name },
        status: {
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              message: "simulated kubelet",
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
          nodeInfo: { kubeletVersion: machine.spec?.version ?? "" },
        },
      },
      "kubelet",
    );
    if (!controlPlane || booted.has(name) || !opts.bootNode) return;
    booted.add(name);
    const secret = await k.get({
      apiVersion: "v1",
      kind: "Secret",
      name: dataSecret,
      namespace: machine.metadata.namespace!,
    });
    const data = Buffer.from((secret.data as Record<string, string>).value!, "base64").toString("utf8");
    const parsed = (await import("yaml")).parse(data.replace(/^## template: jinja\n/, "")) as {
      write_files: { path: string; content: string }[];
      runcmd: string[];
    };
    const files = Object.fromEntries(parsed.write_files.map((f) => [f.path, f.content]));
    void opts
      .bootNode({ cluster: machine.spec?.clusterName as string, machine: name, child, files, commands: parsed.runcmd })
      .then(() => log.push(`Node ${name}: post-bootstrap commands done`))
      .catch((e: Error) => log.push(`Node ${name}: post-bootstrap commands failed: ${e.message}`));
  }

  const loop = (async () => {
    while (!stopped) {
      for (const step of [readPaused, infraClusters, controlPlanes, bootstrapConfigs, infraMachines]) {
        try {
          await step();
        } catch (e) {
          const msg = `${step.name}: ${(e as Error).message}`;
          if (log[log.length - 1] !== msg) log.push(msg);
        }
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 300));
    }
  })();
  return {
    log,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
