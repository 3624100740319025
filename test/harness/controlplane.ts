// Local Kubernetes control planes on loopback for tests: the product's control plane
// (install/bootstrap/controlplane.ts, what `lattice install` runs as its bootstrap) in a temp
// directory, without fsync, its processes tied to the test process (and a watchdog), with chosen CRD
// sets. Used by integration tests and benchmarks.
//
//   const [a, b] = await startControlPlanes(2, { crds: ["cilium", "istio"] });
//   ... a.client.apply(obj) ...
//   afterAll(stopAll);
//
// With `workloads`, Deployments really roll out: the controller manager also runs the workload
// controllers, kube-scheduler places pods, and the pod simulator (./pod-simulator.ts) plays the
// kubelets of simulated nodes. Off by default: most tests need no pods and start faster without.
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BASE_CONTROLLERS,
  installCrds,
  startLocalControlPlane,
  type LocalControlPlane,
} from "../../install/bootstrap/controlplane";
import type { Launched } from "../../install/bootstrap/procs";
import { loadCrds, type CrdSet } from "./crds";
import { startPodSimulator, type PodSimulator } from "./pod-simulator";
import { removeDir, startProcess, startWatchdog, type Proc } from "./processes";
import { toolPath } from "./tools";

export type { CrdSet } from "./crds";

/** What to start. */
export interface ControlPlaneOptions {
  /** A label for logs and directory names. */
  name?: string;
  /** CRD sets installed (and Established) before the control plane is returned. */
  crds?: readonly CrdSet[];
  /** Run kube-controller-manager (garbage collector + namespace controller). Default true. */
  controllerManager?: boolean;
  /**
   * Real rollouts: the Deployment, ReplicaSet, StatefulSet, endpoints and volume-binder controllers,
   * kube-scheduler, and the pod simulator with `nodes` simulated nodes (default 1). Default off.
   */
  workloads?: boolean | WorkloadOptions;
}

/** How the test bed runs pods when `workloads` is on. */
export interface WorkloadOptions {
  /** Simulated nodes (default 1). */
  nodes?: number;
  /** Images whose pods stay in ImagePullBackOff. */
  neverPulls?: readonly string[];
  /** How long a placed pod is ContainerCreating before it is Ready (default 0). */
  readyAfterMs?: number;
}

const WORKLOAD_CONTROLLERS = [
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "endpoints-controller",
  "endpointslice-controller",
  "persistentvolume-binder-controller",
];

/** A running control plane: the product's, in a temp directory (`dir`, removed by stop()). */
export interface ControlPlane extends LocalControlPlane {
  /** The pod simulator, when started with `workloads`. */
  readonly pods?: PodSimulator;
  stop(): Promise<void>;
}

const running = new Set<ControlPlane>();

/** Start one control plane; it is ready (readyz ok, CRDs established) when this resolves. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const name = (opts.name ?? "cp").replace(/[^a-z0-9-]/gi, "-");
  const workloads: WorkloadOptions | undefined =
    opts.workloads === true ? {} : opts.workloads === false ? undefined : opts.workloads;
  // Fail loudly (MissingToolError) on a missing binary before starting anything.
  toolPath("etcd");
  toolPath("kube-apiserver");
  const kcm = opts.controllerManager !== false || !!workloads;
  if (kcm) toolPath("kube-controller-manager");
  const scheduler = workloads ? toolPath("kube-scheduler") : undefined;
  const crds = opts.crds?.length ? loadCrds(opts.crds) : []; // fail on a missing module before starting anything
  const dir = mkdtempSync(path.join(os.tmpdir(), `lattice-${name}-`));
  const procs: Launched[] = [];
  let watchdog: Proc | undefined;
  // The watchdog covers every process started so far: a SIGKILLed test leaves nothing behind.
  const guard = (all: readonly Launched[]) => {
    void watchdog?.stop();
    watchdog = startWatchdog(
      process.pid,
      all.map((p) => p.pid),
      dir,
    );
  };
  let pods: PodSimulator | undefined;
  const stop = async () => {
    // The simulator and the controllers first, then the API server (it holds etcd connections),
    // then etcd; then the files.
    await pods?.stop();
    for (const p of [...procs].reverse()) await p.stop();
    await watchdog?.stop();
    removeDir(dir);
  };
  try {
    // The product's control plane (install/bootstrap), in a temp directory, without fsync.
    const local = await startLocalControlPlane({
      dir,
      name,
      fsync: false,
      controllers: kcm ? [...BASE_CONTROLLERS, ...(workloads ? WORKLOAD_CONTROLLERS : [])] : false,
      // With workloads, the simulated kubelets register their nodes Ready and no node lifecycle
      // controller runs: nothing would lift the not-ready taint this plugin puts on new nodes.
      disableAdmission: workloads ? ["ServiceAccount", "TaintNodesByCondition"] : ["ServiceAccount"],
      launcher: startProcess,
      onLaunch: guard,
    });
    procs.push(...local.processes);
    if (scheduler) {
      procs.push(
        startProcess(
          `${name}/kube-scheduler`,
          scheduler,
          ["--kubeconfig", local.kubeconfigPath, "--leader-elect=false", "--secure-port=0", "-v", "0"],
          path.join(dir, "kube-scheduler.log"),
        ),
      );
      guard(procs);
    }
    const client = local.client;
    await installCrds(client, crds);
    if (workloads)
      pods = await startPodSimulator({
        client,
        nodes: Array.from({ length: workloads.nodes ?? 1 }, (_, i) => `sim-node-${i}`),
        ...(workloads.neverPulls ? { neverPulls: workloads.neverPulls } : {}),
        ...(workloads.readyAfterMs !== undefined ? { readyAfterMs: workloads.readyAfterMs } : {}),
      });

    const cp: ControlPlane = {
      ...local,
      processes: procs,
      ...(pods ? { pods } : {}),
      async stop() {
        running.delete(cp);
        client.close();
        await stop();
      },
    };
    running.add(cp);
    return cp;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Start n independent control planes in parallel. */
export async function startControlPlanes(n: number, opts: ControlPlaneOptions = {}): Promise<ControlPlane[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => startControlPlane({ ...opts, name: `${opts.name ?? "cp"}${i}` })),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<ControlPlane>).value);
}

/** Stop every control plane this process started (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((cp) => cp.stop()));
}

export { installCrds } from "../../install/bootstrap/controlplane";
