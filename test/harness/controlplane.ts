// Local Kubernetes control planes on loopback: etcd + kube-apiserver + kube-controller-manager,
// each with its own CA, admin kubeconfig, temp directory and chosen CRD sets. Used by integration
// tests, benchmarks and the local `make demo` environment. Flags follow controller-runtime's
// envtest (pkg/internal/testing/controlplane).
//
//   const [a, b] = await startControlPlanes(2, { crds: ["cilium", "istio"] });
//   ... a.client.apply(obj) ...
//   afterAll(stopAll);
//
// With `workloads`, Deployments really roll out: the controller manager also runs the workload
// controllers, kube-scheduler places pods, and the pod simulator (./pod-simulator.ts) plays the
// kubelets of simulated nodes. Off by default: most tests need no pods and start faster without.
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../core/k8s/object";
import { KubeClient } from "../../kube/client";
import { renderKubeconfig } from "../../kube/kubeconfig";
import { loadCrds, type CrdSet } from "./crds";
import { createCa, serviceAccountKeys, type Ca } from "./pki";
import { startPodSimulator, type PodSimulator } from "./pod-simulator";
import { freePorts, removeDir, startProcess, startWatchdog, tail, type Proc } from "./processes";
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

/** The controllers the controller manager runs: garbage collection and namespace deletion, and the
 * controllers that lift the protection finalizers of claims and volumes (else a deleted PVC stays
 * Terminating forever); with workloads, those that turn Deployments into ready pods too. */
const BASE_CONTROLLERS = [
  "garbage-collector-controller",
  "namespace-controller",
  "persistentvolumeclaim-protection-controller",
  "persistentvolume-protection-controller",
];
const WORKLOAD_CONTROLLERS = [
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "endpoints-controller",
  "endpointslice-controller",
  "persistentvolume-binder-controller",
];

/** A running control plane. */
export interface ControlPlane {
  readonly name: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly port: number;
  /** Admin kubeconfig (system:masters) as YAML. */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
  /** The CA that signs this control plane's serving and client certificates (and can sign more). */
  readonly ca: Ca;
  readonly client: KubeClient;
  /** The temp directory holding data, certificates and logs (removed by stop()). */
  readonly dir: string;
  /** The processes, for tests that inspect them. */
  readonly processes: readonly Proc[];
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
  const bins = {
    etcd: toolPath("etcd"),
    apiserver: toolPath("kube-apiserver"),
    kcm: opts.controllerManager === false && !workloads ? undefined : toolPath("kube-controller-manager"),
    scheduler: workloads ? toolPath("kube-scheduler") : undefined,
  };
  const crds = opts.crds?.length ? loadCrds(opts.crds) : []; // fail on a missing module before starting anything
  const dir = mkdtempSync(path.join(os.tmpdir(), `lattice-${name}-`));
  const procs: Proc[] = [];
  let watchdog: Proc | undefined;
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
    const f = (file: string) => path.join(dir, file);
    const ca = await createCa(`lattice-${name}-ca`);
    const serving = await ca.sign({
      commonName: "kube-apiserver",
      dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      ipAddresses: ["127.0.0.1", "10.0.0.1"],
      usage: "server",
    });
    const admin = await ca.sign({ commonName: "lattice-admin", organization: "system:masters", usage: "client" });
    const sa = await serviceAccountKeys();
    writeFileSync(f("ca.crt"), ca.cert);
    writeFileSync(f("apiserver.crt"), serving.cert);
    writeFileSync(f("apiserver.key"), serving.key, { mode: 0o600 });
    writeFileSync(f("sa.pub"), sa.publicKey);
    writeFileSync(f("sa.key"), sa.privateKey, { mode: 0o600 });

    const [etcdPort, peerPort, port] = (await freePorts(3)) as [number, number, number];
    const server = `https://127.0.0.1:${port}`;
    const access = { server, ca: ca.cert, cert: admin.cert, key: admin.key };
    const kubeconfig = renderKubeconfig(name, access);
    writeFileSync(f("admin.kubeconfig"), kubeconfig, { mode: 0o600 });

    procs.push(
      startProcess(
        `${name}/etcd`,
        bins.etcd,
        [
          "--name",
          "default",
          "--data-dir",
          f("etcd"),
          "--listen-client-urls",
          `http://127.0.0.1:${etcdPort}`,
          "--advertise-client-urls",
          `http://127.0.0.1:${etcdPort}`,
          "--listen-peer-urls",
          `http://127.0.0.1:${peerPort}`,
          "--initial-advertise-peer-urls",
          `http://127.0.0.1:${peerPort}`,
          "--initial-cluster",
          `default=http://127.0.0.1:${peerPort}`,
          "--unsafe-no-fsync",
          "--log-level",
          "warn",
        ],
        f("etcd.log"),
      ),
    );
    procs.push(
      startProcess(
        `${name}/kube-apiserver`,
        bins.apiserver,
        [
          "--etcd-servers",
          `http://127.0.0.1:${etcdPort}`,
          "--bind-address",
          "127.0.0.1",
          "--advertise-address",
          "127.0.0.1",
          "--secure-port",
          String(port),
          "--cert-dir",
          f("certs"),
          "--tls-cert-file",
          f("apiserver.crt"),
          "--tls-private-key-file",
          f("apiserver.key"),
          "--client-ca-file",
          f("ca.crt"),
          "--service-account-issuer",
          server,
          "--service-account-key-file",
          f("sa.pub"),
          "--service-account-signing-key-file",
          f("sa.key"),
          "--service-cluster-ip-range",
          "10.0.0.0/24",
          "--allow-privileged=true",
          "--authorization-mode",
          "RBAC",
          "--disable-admission-plugins",
          // With workloads, the simulated kubelets register their nodes Ready and no node lifecycle
          // controller runs: nothing would lift the not-ready taint this plugin puts on new nodes.
          workloads ? "ServiceAccount,TaintNodesByCondition" : "ServiceAccount",
          "--endpoint-reconciler-type",
          "none",
          "--profiling=false",
          "-v",
          "0",
        ],
        f("kube-apiserver.log"),
      ),
    );
    watchdog = startWatchdog(
      process.pid,
      procs.map((p) => p.pid),
      dir,
    );

    const client = new KubeClient(access);
    await waitReady(client, procs);
    if (bins.kcm) {
      const controllers = [...BASE_CONTROLLERS, ...(workloads ? WORKLOAD_CONTROLLERS : [])];
      procs.push(
        startProcess(
          `${name}/kube-controller-manager`,
          bins.kcm,
          [
            "--kubeconfig",
            f("admin.kubeconfig"),
            "--leader-elect=false",
            "--secure-port=0",
            "--controllers",
            controllers.join(","),
            "-v",
            "0",
          ],
          f("kube-controller-manager.log"),
        ),
      );
    }
    if (bins.scheduler) {
      procs.push(
        startProcess(
          `${name}/kube-scheduler`,
          bins.scheduler,
          ["--kubeconfig", f("admin.kubeconfig"), "--leader-elect=false", "--secure-port=0", "-v", "0"],
          f("kube-scheduler.log"),
        ),
      );
    }
    if (procs.length > 2) {
      await watchdog.stop(); // restart it so it also covers the controller manager and the scheduler
      watchdog = startWatchdog(
        process.pid,
        procs.map((p) => p.pid),
        dir,
      );
    }
    await installCrds(client, crds);
    if (workloads)
      pods = await startPodSimulator({
        client,
        nodes: Array.from({ length: workloads.nodes ?? 1 }, (_, i) => `sim-node-${i}`),
        ...(workloads.neverPulls ? { neverPulls: workloads.neverPulls } : {}),
        ...(workloads.readyAfterMs !== undefined ? { readyAfterMs: workloads.readyAfterMs } : {}),
      });

    const cp: ControlPlane = {
      name,
      server,
      port,
      kubeconfig,
      kubeconfigPath: f("admin.kubeconfig"),
      ca,
      client,
      dir,
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

async function waitReady(client: KubeClient, procs: Proc[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const dead = procs.find((p) => !p.isRunning());
    if (dead) throw new Error(`${dead.name} exited during start-up:\n${tail(dead.log)}`);
    try {
      await client.request("GET", "/readyz");
      return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  const api = procs[procs.length - 1]!;
  throw new Error(`kube-apiserver not ready after ${timeoutMs} ms (${last}):\n${tail(api.log)}`);
}

/** Apply CRDs and wait until each is Established (its API is served). */
export async function installCrds(client: KubeClient, crds: readonly KubeObject[], timeoutMs = 60_000): Promise<void> {
  await Promise.all(crds.map((crd) => client.apply(crd, { fieldManager: "lattice-testbed" })));
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await client.get({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: crd.metadata.name,
      });
      const conds = (live.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await sleep(50);
    }
  }
}
