// A local Kubernetes control plane on loopback: etcd + kube-apiserver + kube-controller-manager,
// with its own CA and admin kubeconfig, everything in one directory. ONE implementation, two users:
//   - `lattice install`'s bootstrap (and a simulated cluster's API server): a durable directory in
//     the state dir, etcd with fsync ON, processes that outlive the installer, recorded in
//     `state.json` (pids, ports, command lines) so `--resume` re-adopts them — or restarts a dead
//     one with the same command line, on the same data;
//   - the test bed (test/harness/controlplane.ts): a temp directory, `--unsafe-no-fsync`, processes
//     tied to the test process.
// Flags follow controller-runtime's envtest (pkg/internal/testing/controlplane).
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../core/k8s/object";
import { KubeClient } from "../../kube/client";
import { applyCrds } from "../../kube/crds";
import { renderKubeconfig } from "../../kube/kubeconfig";
import { binary } from "./binaries";
import { createCa, loadCa, serviceAccountKeys, type Ca } from "./pki";
import { adoptPid, alive, freePorts, type Launched, type Launcher } from "./procs";

/** The controllers every control plane runs: garbage collection (ownerRef cascades, which Cluster
 * API relies on), namespace deletion, and the claim/volume protection finalizers' controllers. */
export const BASE_CONTROLLERS = [
  "garbage-collector-controller",
  "namespace-controller",
  "persistentvolumeclaim-protection-controller",
  "persistentvolume-protection-controller",
];

/** What to start. */
export interface LocalControlPlaneOptions {
  /** Where data, certificates, logs and state.json go (created if absent). */
  dir: string;
  /** A label for logs and process names. */
  name: string;
  /** etcd syncs every write to disk. The installer always; the test bed never (speed). */
  fsync: boolean;
  /** kube-controller-manager's controllers; false: no controller manager. Default BASE_CONTROLLERS. */
  controllers?: readonly string[] | false;
  /** Admission plugins to disable (default ServiceAccount: no token controller runs). */
  disableAdmission?: readonly string[];
  launcher: Launcher;
  /** Called after each process starts, with all started so far (the test bed's watchdog). */
  onLaunch?: (all: readonly Launched[]) => void;
}

/** A running (or re-adopted) control plane. */
export interface LocalControlPlane {
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
  readonly dir: string;
  readonly processes: readonly Launched[];
}

/** One recorded process: enough to find it again or start it again the same way. */
export interface ProcessRecord {
  name: string;
  bin: string;
  args: string[];
  log: string;
  /** Environment added to the installer's. */
  env?: Record<string, string>;
  pid: number;
}

/** What state.json holds. */
export interface ControlPlaneState {
  name: string;
  server: string;
  port: number;
  processes: ProcessRecord[];
}

export const STATE_FILE = "state.json";

/** Write a file so that it survives a crash of the host: temp file, fsync, rename, fsync the directory. */
export function writeDurable(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dfd = openSync(path.dirname(file), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

export function readState(dir: string): ControlPlaneState | undefined {
  const f = path.join(dir, STATE_FILE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as ControlPlaneState) : undefined;
}

function writeState(dir: string, s: ControlPlaneState): void {
  writeDurable(path.join(dir, STATE_FILE), JSON.stringify(s, null, 2) + "\n");
}

/** Start a process and record it in the control plane's state.json (before returning). */
export function launchRecorded(
  dir: string,
  launcher: Launcher,
  rec: Omit<ProcessRecord, "pid">,
  state?: ControlPlaneState,
): Launched {
  const p = launcher(rec.name, rec.bin, rec.args, rec.log, rec.env ? { ...process.env, ...rec.env } : undefined);
  const s = state ?? readState(dir);
  if (s) {
    s.processes = [...s.processes.filter((x) => x.name !== rec.name), { ...rec, pid: p.pid }];
    writeState(dir, s);
  }
  return p;
}

/** Start a control plane in `opts.dir`; ready (readyz ok) when this resolves. */
export async function startLocalControlPlane(opts: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const { dir, name } = opts;
  const controllers = opts.controllers === undefined ? BASE_CONTROLLERS : opts.controllers;
  const bins = {
    etcd: binary("etcd"),
    apiserver: binary("kube-apiserver"),
    kcm: controllers ? binary("kube-controller-manager") : undefined,
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (file: string) => path.join(dir, file);
  const procs: Launched[] = [];
  try {
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
    writeFileSync(f("ca.key"), ca.key, { mode: 0o600 });
    writeFileSync(f("apiserver.crt"), serving.cert);
    writeFileSync(f("apiserver.key"), serving.key, { mode: 0o600 });
    writeFileSync(f("sa.pub"), sa.publicKey);
    writeFileSync(f("sa.key"), sa.privateKey, { mode: 0o600 });

    const [etcdPort, peerPort, port] = (await freePorts(3)) as [number, number, number];
    const server = `https://127.0.0.1:${port}`;
    const access = { server, ca: ca.cert, cert: admin.cert, key: admin.key };
    const kubeconfig = renderKubeconfig(name, access);
    writeDurable(f("admin.kubeconfig"), kubeconfig);
    const state: ControlPlaneState = { name, server, port, processes: [] };
    const launch = (rec: Omit<ProcessRecord, "pid">) => {
      procs.push(launchRecorded(dir, opts.launcher, rec, state));
      opts.onLaunch?.(procs);
    };
    writeState(dir, state);

    const etcdUrl = (p: number) => `http://127.0.0.1:${p}`;
    launch({
      name: `${name}/etcd`,
      bin: bins.etcd,
      args: [
        ...["--name", "default", "--data-dir", f("etcd")],
        ...["--listen-client-urls", etcdUrl(etcdPort), "--advertise-client-urls", etcdUrl(etcdPort)],
        ...["--listen-peer-urls", etcdUrl(peerPort), "--initial-advertise-peer-urls", etcdUrl(peerPort)],
        ...["--initial-cluster", `default=${etcdUrl(peerPort)}`],
        ...(opts.fsync ? [] : ["--unsafe-no-fsync"]),
        ...["--log-level", "warn"],
      ],
      log: f("etcd.log"),
    });
    launch({
      name: `${name}/kube-apiserver`,
      bin: bins.apiserver,
      args: [
        ...["--etcd-servers", etcdUrl(etcdPort), "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1"],
        ...["--secure-port", String(port), "--cert-dir", f("certs")],
        ...["--tls-cert-file", f("apiserver.crt"), "--tls-private-key-file", f("apiserver.key")],
        ...["--client-ca-file", f("ca.crt"), "--service-account-issuer", server],
        ...["--service-account-key-file", f("sa.pub"), "--service-account-signing-key-file", f("sa.key")],
        ...["--service-cluster-ip-range", "10.0.0.0/16", "--allow-privileged=true", "--authorization-mode", "RBAC"],
        ...["--disable-admission-plugins", (opts.disableAdmission ?? ["ServiceAccount"]).join(",")],
        ...["--endpoint-reconciler-type", "none", "--profiling=false", "-v", "0"],
      ],
      log: f("kube-apiserver.log"),
    });
    const client = new KubeClient(access);
    await waitReady(client, procs);
    if (bins.kcm && controllers)
      launch({
        name: `${name}/kube-controller-manager`,
        bin: bins.kcm,
        args: [
          ...["--kubeconfig", f("admin.kubeconfig"), "--leader-elect=false", "--secure-port=0"],
          ...["--controllers", controllers.join(","), "-v", "0"],
        ],
        log: f("kube-controller-manager.log"),
      });
    return { name, server, port, kubeconfig, kubeconfigPath: f("admin.kubeconfig"), ca, client, dir, processes: procs };
  } catch (e) {
    for (const p of [...procs].reverse()) await p.stop();
    throw e;
  }
}

/**
 * Find a control plane started earlier in `dir` (state.json): processes still running are adopted
 * by pid; a dead one starts again with its recorded command line, on its data. Undefined when the
 * directory holds no control plane. Ready when this resolves.
 */
export async function adoptLocalControlPlane(
  dir: string,
  launcher: Launcher,
  opts: { timeoutMs?: number } = {},
): Promise<LocalControlPlane | undefined> {
  const state = readState(dir);
  if (!state) return undefined;
  const f = (file: string) => path.join(dir, file);
  const procs: Launched[] = [];
  for (const rec of state.processes) {
    if (alive(rec.pid)) procs.push(adoptPid(rec.name, rec.pid, rec.log));
    else procs.push(launchRecorded(dir, launcher, rec, state));
    // etcd before the API server: give a restarted etcd its moment (the API server retries anyway).
  }
  const kubeconfig = readFileSync(f("admin.kubeconfig"), "utf8");
  const client = KubeClient.fromKubeconfig(kubeconfig);
  await waitReady(client, procs, opts.timeoutMs);
  const ca = await loadCa(readFileSync(f("ca.crt"), "utf8"), readFileSync(f("ca.key"), "utf8"));
  return {
    name: state.name,
    server: state.server,
    port: state.port,
    kubeconfig,
    kubeconfigPath: f("admin.kubeconfig"),
    ca,
    client,
    dir,
    processes: procs,
  };
}

/** Stop every process recorded in `dir` (last started first). The data stays unless asked. */
export async function stopRecorded(dir: string): Promise<void> {
  const state = readState(dir);
  for (const rec of [...(state?.processes ?? [])].reverse()) await adoptPid(rec.name, rec.pid, rec.log).stop();
}

async function waitReady(client: KubeClient, procs: readonly Launched[], timeoutMs = 90_000): Promise<void> {
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
  const api = procs.find((p) => p.name.endsWith("kube-apiserver")) ?? procs[procs.length - 1]!;
  throw new Error(`kube-apiserver not ready after ${timeoutMs} ms (${last}):\n${tail(api.log)}`);
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Apply CRDs and wait until each is Established (its API is served). */
export async function installCrds(client: KubeClient, crds: readonly KubeObject[], timeoutMs = 60_000): Promise<void> {
  await applyCrds(client, crds, "lattice-install", timeoutMs);
}
