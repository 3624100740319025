// TEST-ONLY POD SIMULATOR. The test bed has no kubelet and no container runtime, so this small loop
// plays them, and a storage provisioner, on simulated nodes — and nothing else:
//   - kubelet registration: a Node per name given, Ready, with capacity (so the REAL kube-scheduler
//     can place pods on it);
//   - kubelet status: a pod the scheduler bound to a simulated node becomes Running and Ready (after
//     `readyAfterMs`, ContainerCreating until then), with a pod IP; a pod with an image in the
//     "never pulls" list stays Pending, its container waiting in ImagePullBackOff, as a real kubelet
//     reports an image that cannot be pulled;
//   - kubelet deletion: a terminating pod on a simulated node is removed (a kubelet confirms the
//     containers stopped by deleting the pod with grace period 0);
//   - storage provisioner: a Pending claim gets a PersistentVolume pre-bound to it (hostPath, never
//     mounted); released volumes it made are deleted.
// The REAL controllers do everything else: kube-controller-manager's Deployment, ReplicaSet,
// StatefulSet, endpoints, volume binder and garbage collector, and kube-scheduler's placement.
// The simulator writes only what a kubelet or a provisioner writes: Node and Pod status, pod
// deletion, PersistentVolumes.
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";

const MANAGER = "lattice-pod-simulator";
const SIMULATED = "lattice.dev/simulated";

export interface PodSimulatorOptions {
  client: KubeClient;
  /** Simulated nodes to register, by name (none: pods stay unscheduled, as on the plain test bed). */
  nodes?: readonly string[];
  /** Images that never pull (exact image strings): their pods stay Pending in ImagePullBackOff. */
  neverPulls?: readonly string[];
  /** How long a placed pod is ContainerCreating before it runs and is Ready. Default 0. */
  readyAfterMs?: number;
  intervalMs?: number;
}

export interface PodSimulator {
  /** The simulated nodes. */
  readonly nodes: readonly string[];
  /** Images that never pull; a test may add to it while running. */
  readonly neverPulls: Set<string>;
  /** What the simulator did and every error it met, for test diagnostics. */
  readonly log: string[];
  stop(): Promise<void>;
}

interface PodLike extends KubeObject {
  metadata: KubeObject["metadata"] & { uid?: string; deletionTimestamp?: string; creationTimestamp?: string };
  spec?: { nodeName?: string; containers?: { name: string; image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Register the nodes, then reconcile every `intervalMs` until stopped. */
export async function startPodSimulator(opts: PodSimulatorOptions): Promise<PodSimulator> {
  const k = opts.client;
  const nodes = [...(opts.nodes ?? [])];
  const neverPulls = new Set(opts.neverPulls ?? []);
  const log: string[] = [];
  const ips = new Map<string, string>(); // pod uid → IP
  const placedAt = new Map<string, number>(); // pod uid → when first seen on a node
  const written = new Map<string, string>(); // pod uid → the state last written
  let nextIp = 2;
  let stopped = false;

  for (const [i, name] of nodes.entries()) await registerNode(k, name, i);
  if (nodes.length) log.push(`registered nodes ${nodes.join(", ")}`);

  const statusOf = (pod: PodLike, body: Record<string, unknown>) =>
    k.applyStatus(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace! },
        status: body,
      },
      MANAGER,
    );

  async function pod(p: PodLike): Promise<void> {
    const node = p.spec?.nodeName;
    if (!node || !nodes.includes(node)) return;
    const uid = p.metadata.uid!;
    if (p.metadata.deletionTimestamp) {
      // A kubelet stops the containers, then confirms with a deletion of grace period 0.
      await k.request("DELETE", await k.pathOf("v1", "Pod", p.metadata.namespace, p.metadata.name), {
        kind: "DeleteOptions",
        apiVersion: "v1",
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
      ips.delete(uid);
      placedAt.delete(uid);
      written.delete(uid);
      log.push(`Pod ${p.metadata.namespace}/${p.metadata.name}: deleted`);
      return;
    }
    if (!placedAt.has(uid)) placedAt.set(uid, Date.now());
    if (!ips.has(uid)) ips.set(uid, `10.244.${nodes.indexOf(node)}.${nextIp++ % 250}`);
    const containers = p.spec?.containers ?? [];
    const stuck = containers.filter((c) => neverPulls.has(c.image));
    const starting = Date.now() - placedAt.get(uid)! < (opts.readyAfterMs ?? 0);
    const want = stuck.length ? "ImagePullBackOff" : starting ? "ContainerCreating" : "Ready";
    const readyNow = p.status?.conditions?.find((c) => c.type === "Ready");
    const current = p.status?.phase === "Running" && readyNow?.status === "True" ? "Ready" : undefined;
    if (current === want || (want !== "Ready" && written.get(uid) === want)) return;
    const t = now();
    const ready = want === "Ready";
    const waitingMessage = (image: string) =>
      `Back-off pulling image "${image}": ErrImagePull: simulated registry: ${image} never pulls`;
    await statusOf(p, {
      phase: ready ? "Running" : "Pending",
      hostIP: `10.250.0.${nodes.indexOf(node) + 1}`,
      podIP: ips.get(uid),
      podIPs: [{ ip: ips.get(uid) }],
      startTime: new Date(placedAt.get(uid)!).toISOString().replace(/\.\d+Z$/, "Z"),
      conditions: [
        { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: t },
        { type: "Initialized", status: "True", lastTransitionTime: t },
        {
          type: "ContainersReady",
          status: ready ? "True" : "False",
          lastTransitionTime: t,
          ...(ready ? {} : { reason: "ContainersNotReady" }),
        },
        {
          type: "Ready",
          status: ready ? "True" : "False",
          lastTransitionTime: t,
          ...(ready
            ? {}
            : {
                reason: "ContainersNotReady",
                message: `containers with unready status: [${containers.map((c) => c.name).join(" ")}]`,
              }),
        },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: ready ? `simulated://${c.image}` : "",
        ready,
        started: ready,
        restartCount: 0,
        ...(ready ? { containerID: `simulated://${uid}/${c.name}` } : {}),
        state: ready
          ? { running: { startedAt: t } }
          : {
              waiting: neverPulls.has(c.image)
                ? { reason: "ImagePullBackOff", message: waitingMessage(c.image) }
                : { reason: "ContainerCreating" },
            },
      })),
    });
    written.set(uid, want);
    log.push(`Pod ${p.metadata.namespace}/${p.metadata.name} on ${node}: ${want}`);
  }

  async function claims(): Promise<void> {
    for (const pvc of await k.list("v1", "PersistentVolumeClaim")) {
      const spec = pvc.spec as {
        volumeName?: string;
        storageClassName?: string;
        accessModes?: string[];
        resources?: { requests?: { storage?: string } };
      };
      const uid = (pvc.metadata as { uid?: string }).uid!;
      if (spec.volumeName || (pvc.metadata as { deletionTimestamp?: string }).deletionTimestamp) continue;
      const name = `sim-${uid}`;
      await k.apply(
        {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: { name, labels: { [SIMULATED]: "true" } },
          spec: {
            capacity: { storage: spec.resources?.requests?.storage ?? "1Gi" },
            accessModes: spec.accessModes ?? ["ReadWriteOnce"],
            storageClassName: spec.storageClassName ?? "",
            persistentVolumeReclaimPolicy: "Retain",
            hostPath: { path: `/var/lib/lattice-simulated-volumes/${uid}` },
            claimRef: {
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              namespace: pvc.metadata.namespace,
              name: pvc.metadata.name,
              uid,
            },
          },
        },
        { fieldManager: MANAGER },
      );
      if (log[log.length - 1] !== `PersistentVolume ${name}: provisioned`)
        log.push(`PersistentVolume ${name}: provisioned`);
    }
    for (const pv of await k.list("v1", "PersistentVolume", { labelSelector: `${SIMULATED}=true` })) {
      if ((pv.status as { phase?: string } | undefined)?.phase !== "Released") continue;
      await k.delete({ apiVersion: "v1", kind: "PersistentVolume", name: pv.metadata.name });
      log.push(`PersistentVolume ${pv.metadata.name}: released, deleted`);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        if (nodes.length) {
          for (const p of (await k.list("v1", "Pod")) as PodLike[]) await pod(p).catch((e: Error) => note(p, e));
          await claims();
        }
      } catch (e) {
        const msg = `error: ${(e as Error).message}`;
        if (log[log.length - 1] !== msg) log.push(msg);
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  })();
  function note(p: PodLike, e: Error): void {
    // A pod deleted or changed between the list and the write: the next round sees it as it is.
    if (!/not found|conflict|precondition|modified/i.test(e.message))
      log.push(`Pod ${p.metadata.namespace}/${p.metadata.name}: ${e.message}`);
  }

  return {
    nodes,
    neverPulls,
    log,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Register one Node as a kubelet would: the object, then its status (Ready, capacity, address). */
async function registerNode(k: KubeClient, name: string, index: number): Promise<void> {
  await k.apply(
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          [SIMULATED]: "true",
        },
      },
      spec: {},
    },
    { fieldManager: MANAGER },
  );
  const t = now();
  const capacity = { cpu: "32", memory: "128Gi", pods: "110", "ephemeral-storage": "500Gi" };
  await k.applyStatus(
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name },
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: "InternalIP", address: `10.250.0.${index + 1}` },
          { type: "Hostname", address: name },
        ],
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "simulated kubelet is posting ready status",
            lastHeartbeatTime: t,
            lastTransitionTime: t,
          },
          {
            type: "MemoryPressure",
            status: "False",
            reason: "KubeletHasSufficientMemory",
            lastHeartbeatTime: t,
            lastTransitionTime: t,
          },
          {
            type: "DiskPressure",
            status: "False",
            reason: "KubeletHasNoDiskPressure",
            lastHeartbeatTime: t,
            lastTransitionTime: t,
          },
          {
            type: "PIDPressure",
            status: "False",
            reason: "KubeletHasSufficientPID",
            lastHeartbeatTime: t,
            lastTransitionTime: t,
          },
        ],
        nodeInfo: {
          kubeletVersion: "v1.36.3-simulated",
          containerRuntimeVersion: "simulated://1",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    },
    MANAGER,
  );
}
