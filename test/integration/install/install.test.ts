// `lattice install --bootstrap local --simulate-machines` end to end, as a user runs it (bin/lattice
// as a process), against real API servers, the real Cluster API core manager (in the bootstrap, then
// in the new cluster as its own Deployment) and the real engine; only machines are simulated
// (test/harness/sim-provider.ts: a cluster's machines are one local control plane).
//   1. One install SIGKILLed once in every phase, resumed each time with --resume: it completes;
//      after each kill the bootstrap's data is there and no Cluster exists twice; at the end the
//      new cluster holds every CAPI object, the bootstrap's processes are gone and its data deleted,
//      and scaling workers works against the new cluster alone.
//   2. A failure during provisioning deletes nothing; --abort removes the machines through CAPI,
//      then the bootstrap.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { alive, stopPid } from "../../../install/bootstrap/procs";
import { KubeClient } from "../../../kube/client";
import { removeDir } from "../../harness/processes";
import { ROOT, toolPath } from "../../harness/tools";

toolPath("pulumi"); // a loud MissingToolError when the engine is not built

jest.setTimeout(1_500_000);

const CORE = "cluster.x-k8s.io/v1beta2";
const CLUSTER_FILE = path.join(ROOT, "examples", "clusters", "docker.yaml"); // dev: 1 control plane, 2 workers
const dirs: string[] = [];
/** The state dir of the installed cluster (test 1), uninstalled by test 3. */
let installed: string | undefined;

/** Every pid recorded under a state dir (control planes' state.json, simulated pods). */
function recordedPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "state.json" || (path.basename(d) === "pods" && e.name.endsWith(".json")))
        out.push(...[...readFileSync(p, "utf8").matchAll(/"pid": *(\d+)/g)].map((m) => Number(m[1])));
    }
  };
  walk(dir);
  return out;
}

afterAll(async () => {
  // The new cluster outlives the installer by design: stop what the tests left running.
  for (const d of dirs) {
    for (const pid of recordedPids(d)) await stopPid(pid, 2000);
    removeDir(d);
  }
});

interface Run {
  code: number | string;
  out: string;
  seconds: number;
  killedIn?: string;
}

/**
 * Run `bin/lattice install ARGS`; with `killIn`, SIGKILL its process group (the installer and the
 * engine it runs; the bootstrap and the simulated machines run in their own groups) once a line
 * matching `after` has been printed while phase `killIn` runs.
 */
function install(args: string[], kill?: { phase: string; after: RegExp }): Promise<Run> {
  const started = Date.now();
  const child = spawn(path.join(ROOT, "bin", "lattice"), ["install", ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let phase = "";
  let killedIn: string | undefined;
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const line of b.toString().split("\n")) {
      const m = /^phase (\w+) \(at/.exec(line);
      if (m) phase = m[1]!;
      if (kill && !killedIn && phase === kill.phase && kill.after.test(line)) {
        killedIn = phase;
        process.kill(-child.pid!, "SIGKILL");
      }
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) =>
      resolve({
        code: code ?? signal ?? "?",
        out,
        seconds: (Date.now() - started) / 1000,
        ...(killedIn ? { killedIn } : {}),
      }),
    ),
  );
}

const KILLS: { phase: string; after: RegExp }[] = [
  { phase: "Bootstrapping", after: /bootstrap: control plane started/ },
  { phase: "Provisioning", after: /provisioning: .*phase Provisioning/ },
  { phase: "TargetProviders", after: /CRDs established/ },
  { phase: "Pivoting", after: /pivot: phase Copying/ },
  { phase: "StoppingBootstrap", after: /^phase StoppingBootstrap/ },
];

test("install killed once in every phase, resumed each time: it completes, and the cluster manages itself", async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "lattice-install-"));
  dirs.push(stateDir);
  const base = ["-f", CLUSTER_FILE, "--state-dir", stateDir, "--simulate-machines", "--timeout", "600"];
  const bootstrapDir = path.join(stateDir, "bootstrap");
  const bootstrapPids = new Set<number>();
  const runs: Run[] = [];
  for (const [i, kill] of KILLS.entries()) {
    const r = await install(i === 0 ? base : [...base, "--resume"], kill);
    runs.push(r);
    for (const pid of recordedPids(bootstrapDir)) bootstrapPids.add(pid);
    if (r.killedIn !== kill.phase) throw new Error(`run ${i + 1} was not killed in ${kill.phase}:\n${r.out}`);
    expect(r.code).toBe("SIGKILL");
    // The resume command is printed before any work, so a killed run has told the user.
    expect(r.out).toContain(`--state-dir ${stateDir} --simulate-machines --resume`);
    if (kill.phase !== "StoppingBootstrap") {
      // The bootstrap data survives every kill before the bootstrap is deliberately removed.
      expect(existsSync(path.join(bootstrapDir, "etcd"))).toBe(true);
      expect(existsSync(path.join(bootstrapDir, "state.json"))).toBe(true);
    }
    // Never two active Clusters: at most one unpaused in the bootstrap and the new cluster together.
    expect(await activeClusters(stateDir)).toBeLessThanOrEqual(1);
  }
  const last = await install([...base, "--resume"]);
  runs.push(last);
  if (last.code !== 0) throw new Error(`the last resume failed:\n${last.out}`);
  expect(last.out).toMatch(/installed default\/dev in .*; it manages itself\. kubeconfig: /);
  const total = runs.reduce((s, r) => s + r.seconds, 0);
  process.stdout.write(
    `install with ${KILLS.length} kills: ${runs.map((r) => `${r.seconds.toFixed(1)} s${r.killedIn ? ` (killed in ${r.killedIn})` : ""}`).join(", ")}; total ${total.toFixed(1)} s; load ${readFileSync("/proc/loadavg", "utf8").trim()}\n`,
  );

  // The bootstrap is gone: processes and data.
  expect(existsSync(bootstrapDir)).toBe(false);
  expect([...bootstrapPids].filter(alive)).toEqual([]);
  // No engine plugin of a killed run lives on. The engine starts plugins in their own process group,
  // so the kill of the installer's group misses them; a provider process ends at its first write
  // once its engine is gone (providers/engine-gone.ts). Before that, each run killed while the
  // engine worked left one writing EPIPE errors forever (86% of a core and 4 GB in a CI run).
  expect(await providersLeft(stateDir)).toEqual([]);
  expect(existsSync(path.join(stateDir, "pulumi"))).toBe(false);

  // The new cluster holds all its CAPI objects (exactly one of each identity), unpaused.
  const target = KubeClient.fromKubeconfig(path.join(stateDir, "dev.kubeconfig"));
  try {
    const count = async (apiVersion: string, kind: string) =>
      (await target.list(apiVersion, kind, { namespace: "default" })).length;
    expect({
      clusters: await count(CORE, "Cluster"),
      machineDeployments: await count(CORE, "MachineDeployment"),
      machines: await count(CORE, "Machine"),
      controlPlanes: await count("controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane"),
      dockerMachines: await count("infrastructure.cluster.x-k8s.io/v1beta2", "DockerMachine"),
      dockerClusters: await count("infrastructure.cluster.x-k8s.io/v1beta2", "DockerCluster"),
    }).toEqual({
      clusters: 1,
      machineDeployments: 1,
      machines: 3,
      controlPlanes: 1,
      dockerMachines: 3,
      dockerClusters: 1,
    });
    const cluster = await target.get({ apiVersion: CORE, kind: "Cluster", name: "dev", namespace: "default" });
    expect((cluster.spec as { paused?: boolean }).paused).toBeFalsy();
    // clusterctl's inventory, so `clusterctl move` stays a break-glass tool.
    const providers = await target.list("clusterctl.cluster.x-k8s.io/v1alpha3", "Provider");
    expect(providers.map((p) => p.metadata.name).sort()).toEqual([
      "bootstrap-kubeadm",
      "cluster-api",
      "control-plane-kubeadm",
      "infrastructure-docker",
    ]);

    // Scale workers 2 → 3 against the new cluster alone (the bootstrap no longer exists).
    const scaledAt = Date.now();
    await target.request(
      "PATCH",
      await target.pathOf(CORE, "MachineDeployment", "default", "dev-default"),
      { spec: { replicas: 3 } },
      "application/merge-patch+json",
    );
    let running = 0;
    while (Date.now() - scaledAt < 180_000) {
      const ms = await target.list(CORE, "Machine", { namespace: "default" });
      running = ms.filter((m) => (m.status as { phase?: string } | undefined)?.phase === "Running").length;
      if (running === 4 && ms.length === 4) break;
      await sleep(1000);
    }
    expect(running).toBe(4);
    installed = stateDir;
    process.stdout.write(
      `scaled workers 2 → 3 in the self-managed cluster in ${((Date.now() - scaledAt) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    target.close();
  }
});

test("a failure during provisioning deletes nothing; --abort removes the machines through CAPI, then the bootstrap", async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "lattice-install-abort-"));
  dirs.push(stateDir);
  // A deadline no cluster meets: provisioning fails with what it was waiting for.
  const args = ["-f", CLUSTER_FILE, "--state-dir", stateDir, "--simulate-machines", "--timeout", "3"];
  const failed = await install(args);
  expect(failed.code).toBe(1);
  expect(failed.out).toMatch(/install failed in phase Provisioning: .*not ready after 3 s/);
  expect(failed.out).toContain("nothing was deleted");
  expect(failed.out).toContain(`--state-dir ${stateDir} --simulate-machines --abort`);
  const bootstrapDir = path.join(stateDir, "bootstrap");
  const machinesDir = path.join(stateDir, "simulated-machines", "clusters", "default.dev");
  expect(existsSync(path.join(bootstrapDir, "etcd"))).toBe(true);
  const bootstrap = KubeClient.fromKubeconfig(path.join(bootstrapDir, "admin.kubeconfig"));
  try {
    expect(
      await bootstrap.getOrUndefined({ apiVersion: CORE, kind: "Cluster", name: "dev", namespace: "default" }),
    ).toBeDefined();
  } finally {
    bootstrap.close();
  }
  // The simulated machines exist (their control plane runs), as a cloud's would mid-provisioning.
  for (let i = 0; i < 120 && !existsSync(path.join(machinesDir, "state.json")); i++) await sleep(500);
  expect(existsSync(path.join(machinesDir, "state.json"))).toBe(true);
  const pids = [...recordedPids(bootstrapDir), ...recordedPids(machinesDir)];

  const aborted = await install([...args.slice(0, -2), "--abort"]);
  if (aborted.code !== 0) throw new Error(`--abort failed:\n${aborted.out}`);
  expect(aborted.out).toMatch(/deleted through Cluster API; waiting until its machines are gone/);
  expect(existsSync(machinesDir)).toBe(false); // machines gone, through CAPI (the DockerCluster's finalizer)
  expect(existsSync(bootstrapDir)).toBe(false);
  expect(pids.filter(alive)).toEqual([]);
  process.stdout.write(`failed install ${failed.seconds.toFixed(1)} s, abort ${aborted.seconds.toFixed(1)} s\n`);
});

test("uninstall leaves nothing: no machines, no bootstrap processes or data, no Lattice objects", async () => {
  if (!installed) throw new Error("the install test did not leave an installed cluster");
  const stateDir = installed;
  const machinesDir = path.join(stateDir, "simulated-machines", "clusters", "default.dev");
  expect(existsSync(path.join(machinesDir, "state.json"))).toBe(true);
  const clusterPids = recordedPids(machinesDir);
  expect(clusterPids.filter(alive).length).toBeGreaterThan(0);
  const child = spawn(
    path.join(ROOT, "bin", "lattice"),
    ["uninstall", "-f", CLUSTER_FILE, "--state-dir", stateDir, "--simulate-machines", "--timeout", "600"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const bootstrapPids = new Set<number>();
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    for (const pid of recordedPids(path.join(stateDir, "bootstrap"))) bootstrapPids.add(pid);
  });
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const started = Date.now();
  const code = await new Promise((resolve) => child.once("exit", (c) => resolve(c)));
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`uninstall failed:\n${out}`);
  expect(out).toMatch(/reverse pivot completed/);
  expect(out).toMatch(/uninstalled default\/dev in/);
  // No machines: the cluster's simulated machines (its control plane) are stopped and their data gone.
  expect(existsSync(machinesDir)).toBe(false);
  expect(clusterPids.filter(alive)).toEqual([]);
  // No bootstrap: processes and data.
  expect(bootstrapPids.size).toBeGreaterThan(0);
  expect([...bootstrapPids].filter(alive)).toEqual([]);
  expect(existsSync(path.join(stateDir, "bootstrap"))).toBe(false);
  // Nothing of the install left in the state dir but its journal and the (now dead) kubeconfig.
  expect(readdirSync(stateDir).sort()).toEqual(["dev.kubeconfig", "journal.json", "simulated-machines"]);
  expect(readdirSync(path.join(stateDir, "simulated-machines", "clusters"))).toEqual([]);
  process.stdout.write(`uninstall ${seconds.toFixed(1)} s; load ${readFileSync("/proc/loadavg", "utf8").trim()}\n`);
});

/** Pulumi dynamic-provider processes still running for stacks kept in `stateDir`, after up to 60 s. */
async function providersLeft(stateDir: string): Promise<string[]> {
  const find = () =>
    readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .flatMap((pid) => {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
          const env = readFileSync(`/proc/${pid}/environ`, "utf8");
          return cmd.includes("dynamic-provider") && env.includes(`file://${stateDir}`) && alive(Number(pid))
            ? [`${pid} ${cmd}`]
            : [];
        } catch {
          return []; // gone meanwhile
        }
      });
  const deadline = Date.now() + 60_000;
  while (find().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  return find();
}

/** Unpaused Clusters named dev in the bootstrap (if it runs) and in the new cluster (if it exists). */
async function activeClusters(stateDir: string): Promise<number> {
  let n = 0;
  for (const kc of [path.join(stateDir, "bootstrap", "admin.kubeconfig"), path.join(stateDir, "dev.kubeconfig")]) {
    if (!existsSync(kc)) continue;
    const c = KubeClient.fromKubeconfig(kc);
    try {
      const list = await c.list(CORE, "Cluster", { namespace: "default" }).catch(() => []);
      n += list.filter((x) => x.metadata.name === "dev" && !(x.spec as { paused?: boolean }).paused).length;
    } finally {
      c.close();
    }
  }
  return n;
}
