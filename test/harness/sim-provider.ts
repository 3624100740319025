// TEST-BED SIMULATED INFRASTRUCTURE PROVIDER, RUN AS A PROCESS. No VMs exist here; this is what
// `lattice install --simulate-machines` runs in place of an infrastructure provider's manager
// (./sim-provider-main.ts is its entry point). It is the machine simulator (./machine-simulator.ts:
// CAPD/CABPK/KCP's statuses only) plus what a cloud would do, all loopback and said so:
//   - a cluster's "machines" are one local control plane (etcd + kube-apiserver +
//     kube-controller-manager, install/bootstrap/controlplane.ts, fsync on) started when its
//     DockerCluster appears, with data under --state-dir; detached processes that outlive this
//     provider and the installer — they ARE the new cluster. Every provider process (the bootstrap's,
//     later the new cluster's own copy) re-adopts it from its state.json;
//   - deleting the DockerCluster (a finalizer of ours) stops that control plane and deletes its data
//     — except a delete for a move (clusterctl's `delete-for-move` annotation): the cluster lives on;
//   - the kubelet of those "machines": each Deployment in the new cluster whose image is in IMAGES
//     runs as one local process (its container args, `--kubeconfig` of the cluster, Secret volumes
//     written to files), recorded by pid under the cluster's directory, and its status is written
//     Available (no scheduler, no ReplicaSets: one simulated pod per Deployment).
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  adoptLocalControlPlane,
  startLocalControlPlane,
  stopRecorded,
  type LocalControlPlane,
} from "../../install/bootstrap/controlplane";
import { binary } from "../../install/bootstrap/binaries";
import { alive, durableLauncher, stopPid } from "../../install/bootstrap/procs";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { startMachineSimulator } from "./machine-simulator";

const INFRA = "infrastructure.cluster.x-k8s.io/v1beta2";
const FINALIZER = "lattice.dev/simulated-machines";
const DELETE_FOR_MOVE = "clusterctl.cluster.x-k8s.io/delete-for-move";
const PAUSED = "cluster.x-k8s.io/paused";
const ROOT = path.resolve(__dirname, "..", "..");

/** Image (without tag) → the local command that plays its container. */
export const IMAGES: Readonly<Record<string, () => string[]>> = {
  "registry.k8s.io/cluster-api/cluster-api-controller": () => [binary("cluster-api-manager")],
  "lattice.dev/testbed/simulated-infrastructure-provider": () => [
    path.join(ROOT, "node_modules", "node", "bin", "node"),
    "-r",
    path.join(ROOT, "node_modules", "ts-node", "register"),
    path.join(__dirname, "sim-provider-main.ts"),
  ],
};

export interface SimProviderOptions {
  /** The management cluster whose DockerClusters/Machines this provider serves. */
  management: KubeClient;
  /** Where simulated clusters keep their data (one directory per cluster). */
  stateDir: string;
  log: (line: string) => void;
  intervalMs?: number;
}

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const meta = (o: KubeObject) =>
  o.metadata as KubeObject["metadata"] & { deletionTimestamp?: string; finalizers?: string[]; generation?: number };

/** The directory of a simulated cluster. */
export const clusterDir = (stateDir: string, namespace: string, name: string) =>
  path.join(stateDir, "clusters", `${namespace}.${name}`);

/** Run until stop(): the machine simulator, the clusters' control planes and their kubelet. */
export function startSimProvider(opts: SimProviderOptions): { stop(): Promise<void> } {
  const k = opts.management;
  const children = new Map<string, LocalControlPlane>(); // by Cluster name
  let stopped = false;
  const sim = startMachineSimulator({ parent: k, childOf: (c) => children.get(c) });

  async function clusterOf(dc: Obj): Promise<void> {
    const ns = dc.metadata.namespace!;
    const name = dc.metadata.labels?.["cluster.x-k8s.io/cluster-name"];
    if (!name) return;
    const dir = clusterDir(opts.stateDir, ns, name);
    const m = meta(dc);
    if (m.deletionTimestamp) {
      if (!(DELETE_FOR_MOVE in (m.annotations ?? {})) && existsSync(dir)) {
        await stopPods(dir);
        await stopRecorded(dir);
        children.get(name)?.client.close();
        children.delete(name);
        rmSync(dir, { recursive: true, force: true });
        opts.log(`cluster ${ns}/${name}: deleted; its simulated machines (control plane ${dir}) stopped and removed`);
      } else children.delete(name);
      if (m.finalizers?.includes(FINALIZER)) {
        const finalizers = m.finalizers.filter((f) => f !== FINALIZER);
        await k
          .request(
            "PATCH",
            await k.pathOf(INFRA, "DockerCluster", ns, dc.metadata.name),
            {
              metadata: { finalizers, resourceVersion: (m as { resourceVersion?: string }).resourceVersion },
            },
            "application/merge-patch+json",
          )
          .catch(() => undefined);
      }
      return;
    }
    const paused = PAUSED in (m.annotations ?? {}) || (await clusterPaused(ns, name));
    // The finalizer first: a DockerCluster deleted while its machines start must still reach us.
    if (!paused && !m.finalizers?.includes(FINALIZER))
      await k.request(
        "PATCH",
        await k.pathOf(INFRA, "DockerCluster", ns, dc.metadata.name),
        { metadata: { finalizers: [...(m.finalizers ?? []), FINALIZER] } },
        "application/merge-patch+json",
      );
    if (!children.has(name)) {
      const adopted = await adoptLocalControlPlane(dir, durableLauncher);
      if (adopted) {
        children.set(name, adopted);
        opts.log(`cluster ${ns}/${name}: adopted its control plane at ${adopted.server}`);
      } else if (!paused) {
        const cp = await startLocalControlPlane({ dir, name, fsync: true, launcher: durableLauncher });
        children.set(name, cp);
        opts.log(`cluster ${ns}/${name}: simulated machines' control plane started at ${cp.server} (data ${dir})`);
      }
    }
  }

  async function clusterPaused(ns: string, name: string): Promise<boolean> {
    const c = (await k.getOrUndefined({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      name,
      namespace: ns,
    })) as Obj | undefined;
    return c?.spec?.paused === true || PAUSED in (c?.metadata.annotations ?? {});
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        for (const dc of (await k.list(INFRA, "DockerCluster")) as Obj[]) await clusterOf(dc);
        for (const [name, cp] of children) await kubelet(cp, name, opts.log);
      } catch (e) {
        opts.log(`error: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await sim.stop();
      for (const cp of children.values()) cp.client.close();
    },
  };
}

interface Container {
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string } }[];
}

const podFile = (dir: string, ns: string, name: string) => path.join(dir, "pods", `${ns}.${name}.json`);

/** Play the kubelet for the cluster's Deployments whose image we can run (see the file comment). */
async function kubelet(cp: LocalControlPlane, cluster: string, log: (l: string) => void): Promise<void> {
  const deployments = await cp.client.list("apps/v1", "Deployment").catch(() => [] as KubeObject[]);
  const want = new Set<string>();
  for (const d of deployments) {
    const spec = (d.spec as { template: { spec: PodSpec } }).template.spec;
    const c = spec.containers[0];
    const image = c?.image.replace(/:[^/:]*$/, "");
    const cmd = image ? IMAGES[image] : undefined;
    if (!c || !cmd || meta(d).deletionTimestamp) continue;
    const ns = d.metadata.namespace!;
    want.add(`${ns}.${d.metadata.name}`);
    const file = podFile(cp.dir, ns, d.metadata.name);
    const rec = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { pid: number }) : undefined;
    if (!rec || !alive(rec.pid)) {
      // One starter at a time (the bootstrap's provider and the cluster's own may both look).
      const lock = `${file}.lock`;
      mkdirSync(path.dirname(file), { recursive: true });
      let fd: number;
      try {
        fd = openSync(lock, "wx");
      } catch {
        continue;
      }
      try {
        const podDir = path.join(cp.dir, "pods", `${ns}.${d.metadata.name}`);
        mkdirSync(podDir, { recursive: true });
        const args = await mountSecrets(cp, ns, spec, c, podDir);
        const [bin, ...pre] = cmd();
        const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ""]));
        const p = durableLauncher(
          `${cluster}/${d.metadata.name}`,
          bin!,
          [...pre, ...args, "--kubeconfig", cp.kubeconfigPath],
          path.join(podDir, "log"),
          {
            ...process.env,
            ...env,
          },
        );
        writeFileSync(file, JSON.stringify({ pid: p.pid, deployment: `${ns}/${d.metadata.name}` }) + "\n");
        log(`cluster ${cluster}: simulated pod of Deployment ${ns}/${d.metadata.name} started (pid ${p.pid})`);
      } finally {
        closeSync(fd);
        unlinkSync(lock);
      }
    } else await mountSecrets(cp, ns, spec, c, path.join(cp.dir, "pods", `${ns}.${d.metadata.name}`)); // as a kubelet refreshes them
    const st = d.status as { availableReplicas?: number; observedGeneration?: number } | undefined;
    if (st?.availableReplicas !== 1 || st.observedGeneration !== meta(d).generation)
      await cp.client.applyStatus(
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: d.metadata.name, namespace: ns },
          status: {
            observedGeneration: meta(d).generation,
            replicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            conditions: [
              {
                type: "Available",
                status: "True",
                reason: "MinimumReplicasAvailable",
                message: "simulated pod running",
                lastUpdateTime: new Date().toISOString(),
                lastTransitionTime: new Date().toISOString(),
              },
            ],
          },
        },
        "lattice-simulated-kubelet",
      );
  }
  // Deployments deleted (Lattice stopped in the cluster): their pods stop.
  await stopPods(cp.dir, want);
}

/**
 * Secret volumes as files under the pod's directory (rewritten when the Secret changes, as a kubelet
 * does; controller-runtime reloads its serving certificate), and the container's args with each
 * mount path replaced by that directory.
 */
async function mountSecrets(
  cp: LocalControlPlane,
  ns: string,
  spec: PodSpec,
  c: Container,
  podDir: string,
): Promise<string[]> {
  let args = [...(c.args ?? [])];
  for (const vm of c.volumeMounts ?? []) {
    const vol = spec.volumes?.find((v) => v.name === vm.name);
    if (!vol?.secret) continue;
    const secret = await cp.client.get({
      apiVersion: "v1",
      kind: "Secret",
      name: vol.secret.secretName,
      namespace: ns,
    });
    const dir = path.join(podDir, vm.name);
    mkdirSync(dir, { recursive: true });
    for (const [key, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
      const file = path.join(dir, key);
      const content = Buffer.from(v, "base64");
      if (!existsSync(file) || !readFileSync(file).equals(content)) writeFileSync(file, content, { mode: 0o600 });
    }
    args = args.map((a) => a.split(vm.mountPath).join(dir));
  }
  return args;
}

/** Stop the simulated pods of a cluster, except those still wanted. */
async function stopPods(dir: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  const pods = path.join(dir, "pods");
  if (!existsSync(pods)) return;
  for (const f of require("node:fs").readdirSync(pods) as string[]) {
    if (!f.endsWith(".json") || keep.has(f.replace(/\.json$/, ""))) continue;
    const rec = JSON.parse(readFileSync(path.join(pods, f), "utf8")) as { pid: number };
    // This process may be that pod (the cluster's own provider plays its own cluster's kubelet too). It
    // ends like any other stopped pod, gracefully and after this pass; it used to drop its record and
    // live on, an orphan no other kubelet could find (an uninstall test saw it).
    if (rec.pid === process.pid) setImmediate(() => process.kill(process.pid, "SIGTERM"));
    else await stopPid(rec.pid);
    rmSync(path.join(pods, f), { force: true });
  }
}
