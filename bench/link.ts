// npm run bench:link -- --agents N [--duration 30s] [--cmd-rate 200] [--heartbeat 1s] [--workers W]
//                        [--connects-per-second R] [--phases cmd,heartbeat,reconnect,failover] [--floor]
//
// N agents — each with its own key, certificate and TLS connection — against `lattice cell`
// processes backed by a real parent API server. Agents are spread over W worker processes
// (bench/link-agents.ts) so their own CPU is not one event loop. The cell and the workers run as
// compiled JavaScript (agent/deploy/build-js.sh, as in the image). Phases, in order:
//
//   cmd        all N connected to one cell; AgentCommands (reportStatus, the light command) are
//              created in the parent at --cmd-rate per second for random clusters, and each one's
//              round trip measured: create → the cell sends it → the agent answers → the cell
//              records Succeeded → seen on a watch. The cell's RSS is sampled meanwhile.
//   heartbeat  the old design, for comparison: every agent sends an application heartbeat each
//              --heartbeat, answered by the cell; round trips of a --duration window.
//   reconnect  kill -9 the cell and start it again at once (same address): until all N streams are
//              back, each agent with the certificate it had (no token, no new certificate).
//   failover   a second cell on the same address (SO_REUSEPORT: the kernel spreads connections
//              over both, as a Service does over replicas); every agent redials, so about half land
//              on each; then kill -9 one: until every agent of the dead one is on the other.
//
// The cell runs with the Node options its Deployment sets (CELL_NODE_OPTIONS; --cell-node-options
// to try others), and so does the floor server. --floor runs none of these: the same agents connect to bench/link-floor.ts (a plain Node HTTP/2
// server with the link's mutual TLS, one stream per agent, nothing else) and its RSS is reported:
// the memory floor the cell is compared with (floor_rss_mib, and per agent against an idle process).
//
// Progress lines start with "#", each with the load average; the last stdout line is one JSON
// object: {"agents","cmd_rtt_p50_ms","cmd_rtt_p99_ms","cell_rss_mib","reconnect_all_s","failover_s",
// "errors", …and the heartbeat figures of the old design and the details}. errors = agents not
// connected + commands not Succeeded in time + commands executed twice + agents not back after a
// restart or failover (within 2 min each).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startControlPlane, stopAll, type ControlPlane } from "../test/harness/controlplane";
import { freePorts, startProcess, tail, type Proc } from "../test/harness/processes";
import { nodePath, ROOT } from "../test/harness/tools";
import { installLinkCrds } from "../agent/deploy/crds";
import { loadOrCreateCa } from "../agent/pki/store";
import { generateKeyPair, privateKeyPem } from "../agent/pki/crypto";
import {
  CA_SECRET_NAME,
  DEFAULT_NAMESPACE,
  LINK_API_VERSION,
  isFinished,
  type AgentCommand,
  type SecretObject,
} from "../agent/api/types";
import { parseDuration } from "../agent/runtime";
import { CELL_NODE_OPTIONS } from "../agent/deploy/cell";
import { bucketOf, percentile } from "./link-histogram";

const AGENTS_PER_WORKER = 2500;

const { values: f } = parseArgs({
  options: {
    agents: { type: "string", default: "1000" },
    duration: { type: "string", default: "30s" },
    "cmd-rate": { type: "string", default: "200" },
    heartbeat: { type: "string", default: "1s" },
    workers: { type: "string" },
    "connects-per-second": { type: "string", default: "400" },
    phases: { type: "string", default: "cmd,heartbeat,reconnect,failover" },
    "cell-node-options": { type: "string", default: CELL_NODE_OPTIONS },
    floor: { type: "boolean", default: false },
  },
});
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const say = (s: string) => process.stdout.write(`# [load ${load()}] ${s}\n`);

interface Worker {
  proc: ChildProcess;
  next(type: string): Promise<Record<string, unknown>>;
  send(line: string): void;
}
interface Count {
  connected: number;
  byCell: Record<string, number>;
  executed: number;
  duplicates: number;
  /** TLS handshakes of all agents so far, and how many resumed a session. */
  handshakes: number;
  resumed: number;
}

/** Compiled code finds its packages through NODE_PATH (it lives outside the repository). */
const NODE_ENV_FOR_BUILD = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") };

function startWorker(build: string, args: string[]): Worker {
  const proc = spawn(nodePath(), [path.join(build, "bench", "link-agents.js"), ...args], {
    stdio: ["pipe", "pipe", "inherit"],
    env: NODE_ENV_FOR_BUILD,
  });
  const waiting = new Map<string, ((v: Record<string, unknown>) => void)[]>();
  const early = new Map<string, Record<string, unknown>[]>();
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const type = String(msg.type);
    const w = waiting.get(type)?.shift();
    if (w) w(msg);
    else early.set(type, [...(early.get(type) ?? []), msg]);
  });
  const exited = new Promise<never>((_, reject) =>
    proc.once("exit", (code) => reject(new Error(`worker exited with ${code}`))),
  );
  exited.catch(() => undefined);
  return {
    proc,
    send: (line) => proc.stdin!.write(line + "\n"),
    next: (type) => {
      const got = early.get(type)?.shift();
      if (got) return Promise.resolve(got);
      return Promise.race([
        new Promise<Record<string, unknown>>((r) => waiting.set(type, [...(waiting.get(type) ?? []), r])),
        exited,
      ]);
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function rssMiB(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

interface Cell {
  proc: Proc;
  log: string;
  instance: string;
}

async function main(): Promise<void> {
  const agents = Number(f.agents);
  const durationMs = parseDuration(f.duration!, "--duration");
  const heartbeatMs = parseDuration(f.heartbeat!, "--heartbeat");
  const cmdRate = Number(f["cmd-rate"]);
  const workers = Math.max(1, Number(f.workers ?? Math.ceil(agents / AGENTS_PER_WORKER)));
  const rate = Number(f["connects-per-second"]);
  const phases = new Set(f.phases!.split(","));
  if (!(agents > 0 && durationMs >= 1000 && workers <= agents && cmdRate > 0))
    throw new Error("want --agents > 0, --duration >= 1s, --workers <= agents, --cmd-rate > 0");
  say(
    `${agents} agents in ${workers} worker process(es), ${durationMs} ms windows, ${cmdRate} commands/s, ` +
      `${os.cpus().length} CPUs, phases ${[...phases].join(",")}`,
  );

  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-link-"));
  const procs: ChildProcess[] = [];
  const cells: Cell[] = [];
  const killAll = () => {
    procs.forEach((p) => p.kill("SIGKILL"));
    for (const c of cells) if (c.proc.isRunning()) process.kill(-c.proc.pid, "SIGKILL");
  };
  process.on("exit", killAll);
  const result: Record<string, unknown> = { agents };
  let errors = 0;
  try {
    const parent = await startControlPlane({ name: "bench-parent", controllerManager: false });
    await installLinkCrds(parent.client);
    await loadOrCreateCa(parent.client, DEFAULT_NAMESPACE);
    const caSecret = await parent.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: DEFAULT_NAMESPACE,
      name: CA_SECRET_NAME,
    });
    const caFile = path.join(dir, "ca.crt");
    const keyFile = path.join(dir, "ca.key");
    writeFileSync(caFile, Buffer.from(caSecret.data!["tls.crt"]!, "base64"));
    writeFileSync(keyFile, Buffer.from(caSecret.data!["tls.key"]!, "base64"), { mode: 0o600 });

    // Every real cluster's ClusterLink exists before its agent connects (issueBootstrapToken
    // creates it; a cell refuses a cluster without one). Same here.
    const t0 = Date.now();
    if (!f.floor) {
      await createClusterLinks(parent, agents);
      say(`${agents} ClusterLinks created in ${Date.now() - t0} ms`);
    }

    const build = path.join(dir, "build");
    execFileSync(
      path.join(ROOT, "agent", "deploy", "build-js.sh"),
      [build, "bench/link-agents.ts", "bench/link-floor.ts"],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    const [grpcPort, bootstrapPort] = (await freePorts(2)) as [number, number];
    const startCell = async (name: string): Promise<Cell> => {
      const log = path.join(dir, `${name}.log`);
      const args = [
        ...(f["cell-node-options"] ? f["cell-node-options"].split(/\s+/) : []),
        path.join(build, "cli", "main.js"),
        "cell",
        "--kubeconfig",
        parent.kubeconfigPath,
        "--listen",
        `127.0.0.1:${grpcPort}`,
        "--bootstrap-listen",
        `127.0.0.1:${bootstrapPort}`,
        "--advertise",
        "127.0.0.1",
        "--reuse-port",
        "--stats-interval",
        "10s",
      ];
      const proc = startProcess(name, nodePath(), args, log, NODE_ENV_FOR_BUILD);
      for (let i = 0; i < 1200; i++) {
        const ready = readFileSync(log, "utf8")
          .split("\n")
          .find((l) => l.includes('"cell ready"'));
        if (ready) return { proc, log, instance: String((JSON.parse(ready) as { instance: string }).instance) };
        if (!proc.isRunning()) throw new Error(`${name} exited:\n${tail(log)}`);
        await sleep(50);
      }
      throw new Error(`${name} not ready:\n${tail(log)}`);
    };
    const nodeOptions = f["cell-node-options"] ? f["cell-node-options"].split(/\s+/) : [];
    let cell = f.floor
      ? await startFloor(build, dir, caFile, grpcPort, parent, nodeOptions)
      : await startCell("cell-1");
    cells.push(cell);
    await sleep(2000); // settled after start-up
    const idleRss = rssMiB(cell.proc.pid);
    say(
      `${f.floor ? "floor server" : `cell ${cell.instance}`} (pid ${cell.proc.pid}) on 127.0.0.1:${grpcPort}, RSS ${idleRss} MiB before agents`,
    );

    const ws: Worker[] = [];
    for (let w = 0, first = 0; w < workers; w++) {
      const count = Math.floor(agents / workers) + (w < agents % workers ? 1 : 0);
      const worker = startWorker(build, [
        "--ca-file",
        caFile,
        "--key-file",
        keyFile,
        "--address",
        `127.0.0.1:${grpcPort}`,
        "--first",
        String(first),
        "--count",
        String(count),
        "--connects-per-second",
        String(Math.max(1, rate / workers)),
      ]);
      procs.push(worker.proc);
      ws.push(worker);
      first += count;
    }
    const readies = await Promise.all(ws.map((w) => w.next("ready")));
    const connected = readies.reduce((n, r) => n + Number(r.connected), 0);
    errors += agents - connected;
    say(
      `connected ${connected}/${agents}; certificates ${Math.max(...readies.map((r) => Number(r.certMs)))} ms, ` +
        `connecting ${Math.max(...readies.map((r) => Number(r.connectMs)))} ms; cell RSS ${rssMiB(cell.proc.pid)} MiB`,
    );
    if (f.floor) {
      await sleep(5000);
      const rss = rssMiB(cell.proc.pid);
      say(
        `floor server RSS ${rss} MiB with ${connected} streams: ${(((rss - idleRss) * 1024) / connected).toFixed(1)} KiB per agent`,
      );
      result.floor_rss_mib = rss;
      result.floor_idle_rss_mib = idleRss;
      result.floor_kib_per_agent = Math.round(((rss - idleRss) * 1024 * 10) / connected) / 10;
    }
    const count = async (): Promise<Count> => {
      for (const w of ws) w.send("count");
      const cs = (await Promise.all(ws.map((w) => w.next("count")))) as unknown as Count[];
      const byCell: Record<string, number> = {};
      for (const c of cs) for (const [k, v] of Object.entries(c.byCell)) byCell[k] = (byCell[k] ?? 0) + v;
      return {
        connected: cs.reduce((n, c) => n + c.connected, 0),
        byCell,
        executed: cs.reduce((n, c) => n + c.executed, 0),
        duplicates: cs.reduce((n, c) => n + c.duplicates, 0),
        handshakes: cs.reduce((n, c) => n + c.handshakes, 0),
        resumed: cs.reduce((n, c) => n + c.resumed, 0),
      };
    };
    const watched = () =>
      [
        ...cells.filter((c) => c.proc.isRunning()).map((c) => [c.proc.name, c.proc.pid] as [string, number]),
        ["workers", -1] as [string, number],
        ...parent.processes.map((p) => [p.name.split("/").pop()!, p.pid] as [string, number]),
      ] as [string, number][];
    const cpu = (pid: number) => (pid === -1 ? ws.reduce((s, w) => s + cpuSeconds(w.proc.pid!), 0) : cpuSeconds(pid));
    const cpuReport = (before: [string, number, number][], seconds: number) =>
      before
        .map(([name, pid, c0]) => [name, Math.round(((cpu(pid) - c0) / seconds) * 100)] as const)
        .map(([name, pct]) => (Number.isNaN(pct) ? `${name} (gone)` : `${name} ${pct}%`))
        .join(", ");
    const cpuStart = () => watched().map(([n, pid]) => [n, pid, cpu(pid)] as [string, number, number]);

    await sleep(3000); // first health reports; status writes start (they trail a connect storm)
    if (!f.floor) {
      const rss = rssMiB(cell.proc.pid);
      say(
        `cell RSS ${rss} MiB with ${connected} agents: ${(((rss - idleRss) * 1024) / connected).toFixed(1)} KiB per agent over its idle ${idleRss} MiB`,
      );
      result.cell_idle_rss_mib = idleRss;
      result.cell_kib_per_agent = Math.round(((rss - idleRss) * 1024 * 10) / connected) / 10;
    } else phases.clear();

    if (phases.has("cmd")) {
      const r = await commandPhase(parent, agents, cmdRate, durationMs, cell, cpuStart, cpuReport);
      Object.assign(result, r.figures);
      errors += r.errors;
    }
    if (phases.has("heartbeat") && heartbeatMs > 0) {
      const c0 = cpuStart();
      const t = Date.now();
      for (const w of ws) w.send(`hb ${heartbeatMs} ${durationMs}`);
      let peak = 0;
      const sampler = setInterval(() => void (peak = Math.max(peak, rssMiB(cell.proc.pid))), 1000);
      const hbs = await Promise.all(ws.map((w) => w.next("hb")));
      clearInterval(sampler);
      const hist = new Map<number, number>();
      for (const h of hbs)
        for (const [b, n] of Object.entries(h.histogram as Record<string, number>))
          hist.set(Number(b), (hist.get(Number(b)) ?? 0) + n);
      const sum = (k: string) => hbs.reduce((n, h) => n + Number(h[k]), 0);
      say(`heartbeat phase CPU: ${cpuReport(c0, (Date.now() - t) / 1000)}`);
      say(`heartbeats: ${sum("sent")} sent, ${sum("answered")} answered; ${sum("disconnects")} streams lost`);
      Object.assign(result, {
        old_heartbeat_p50_ms: percentile(hist, 0.5),
        old_heartbeat_p99_ms: percentile(hist, 0.99),
        old_heartbeats_per_s: Math.round(sum("sent") / (durationMs / 1000)),
        old_heartbeat_cell_rss_mib: peak,
        old_heartbeat_errors: sum("lost") + sum("disconnects"),
      });
      await sleep(3000);
    }

    const waitAll = async (what: string, done: (c: Count) => boolean, since: number): Promise<number> => {
      const deadline = Date.now() + 120_000;
      let last = 0;
      for (;;) {
        const c = await count();
        if (done(c)) return (Date.now() - since) / 1000;
        if (Date.now() - last > 5000) {
          say(`${what}: ${c.connected}/${agents} connected ${JSON.stringify(c.byCell)}`);
          last = Date.now();
        }
        if (Date.now() > deadline) {
          errors += agents - c.connected;
          say(`${what}: ${agents - c.connected} agents not back after 2 min`);
          return NaN;
        }
        await sleep(200);
      }
    };

    if (phases.has("reconnect")) {
      const before = await count();
      const c0 = cpuStart();
      const killedAt = Date.now();
      process.kill(-cell.proc.pid, "SIGKILL");
      await cell.proc.exited;
      const old = cell.instance;
      cell = await startCell("cell-1-restarted");
      cells.push(cell);
      say(`cell killed and restarted as ${cell.instance} in ${Date.now() - killedAt} ms`);
      const s = await waitAll("reconnect", (c) => c.connected === agents && !c.byCell[old], killedAt);
      result.reconnect_all_s = round1(s);
      const after = await count();
      result.reconnect_resumed = `${after.resumed - before.resumed}/${after.handshakes - before.handshakes}`;
      say(
        `all back in ${round1(s)} s (TLS sessions resumed: ${String(result.reconnect_resumed)}); the new cell used ` +
          `${cpuSeconds(cell.proc.pid).toFixed(1)} CPU-s since its start; CPU meanwhile: ${cpuReport(c0, s)}; ` +
          `cell RSS ${rssMiB(cell.proc.pid)} MiB`,
      );
      say(`cell stats: ${lastStats(cell.log)}`);
    }

    if (phases.has("failover")) {
      const second = await startCell("cell-2");
      cells.push(second);
      say(`second cell ${second.instance} on the same address; every agent redials (1000/s)`);
      const t = Date.now();
      for (const w of ws) w.send(`redial ${Math.max(1, Math.round(1000 / workers))}`);
      await Promise.all(ws.map((w) => w.next("redialed")));
      await waitAll("spread", (c) => c.connected === agents && Object.keys(c.byCell).length === 2, t);
      await sleep(3000);
      const before = await count();
      say(`spread over two cells: ${JSON.stringify(before.byCell)}`);
      const victim = second;
      const moving = before.byCell[victim.instance] ?? 0;
      const c0 = cpuStart();
      const hs = await count();
      const killedAt = Date.now();
      process.kill(-victim.proc.pid, "SIGKILL");
      const s = await waitAll("failover", (c) => c.connected === agents && !c.byCell[victim.instance], killedAt);
      result.failover_s = round1(s);
      result.failover_agents = moving;
      const after = await count();
      result.failover_resumed = `${after.resumed - hs.resumed}/${after.handshakes - hs.handshakes}`;
      say(`${moving} agents moved to ${cell.instance} in ${round1(s)} s; CPU meanwhile: ${cpuReport(c0, s)}`);
    }

    const end = await count();
    errors += end.duplicates;
    say(`commands executed by agents: ${end.executed}, twice: ${end.duplicates}`);
    for (const w of ws) w.send("stop");
    await Promise.all(ws.map((w) => new Promise((r) => (w.proc.exitCode !== null ? r(null) : w.proc.once("exit", r)))));
    for (const c of cells) if (c.proc.isRunning()) await c.proc.stop();
    result.errors = errors;
    result.load_avg = os.loadavg().map((l) => Math.round(l * 10) / 10);
    const ordered = [
      "agents",
      "cmd_rtt_p50_ms",
      "cmd_rtt_p99_ms",
      "cell_rss_mib",
      "reconnect_all_s",
      "failover_s",
      "errors",
    ];
    const json: Record<string, unknown> = {};
    for (const k of ordered) json[k] = result[k] ?? null;
    for (const [k, v] of Object.entries(result)) if (!(k in json)) json[k] = v;
    process.stdout.write(JSON.stringify(json) + "\n");
  } finally {
    killAll();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The floor server (bench/link-floor.ts) on the link's port, with a serving certificate from the CA. */
async function startFloor(
  build: string,
  dir: string,
  caFile: string,
  port: number,
  parent: ControlPlane,
  nodeOptions: string[],
): Promise<Cell> {
  const ca = await loadOrCreateCa(parent.client, DEFAULT_NAMESPACE);
  const keys = await generateKeyPair();
  const serving = await ca.issueServing(keys.publicKey, { dns: ["lattice-cell"], ip: ["127.0.0.1"] });
  const certFile = path.join(dir, "floor.crt");
  const keyFile = path.join(dir, "floor.key");
  writeFileSync(certFile, serving.pem);
  writeFileSync(keyFile, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  const log = path.join(dir, "floor.log");
  const proc = startProcess(
    "floor",
    nodePath(),
    [
      ...nodeOptions,
      path.join(build, "bench", "link-floor.js"),
      "--ca-file",
      caFile,
      "--cert-file",
      certFile,
      "--key-file",
      keyFile,
      "--port",
      String(port),
    ],
    log,
    NODE_ENV_FOR_BUILD,
  );
  for (let i = 0; i < 600; i++) {
    if (readFileSync(log, "utf8").includes('"ready"')) return { proc, log, instance: "floor" };
    if (!proc.isRunning()) throw new Error(`floor server exited:\n${tail(log)}`);
    await sleep(50);
  }
  throw new Error(`floor server not ready:\n${tail(log)}`);
}

function lastStats(log: string): string {
  const l = readFileSync(log, "utf8")
    .split("\n")
    .filter((x) => x.includes('"cell stats"'))
    .at(-1);
  return l ? l.replace(/^.*"msg":"cell stats",/, "{") : "(none yet)";
}

async function createClusterLinks(parent: ControlPlane, n: number): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => `bench-${i}`);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = names.pop(); name; name = names.pop()) {
        await parent.client
          .create({
            apiVersion: LINK_API_VERSION,
            kind: "ClusterLink",
            metadata: { name, namespace: DEFAULT_NAMESPACE },
            spec: { cluster: name },
          })
          .catch(() => undefined);
      }
    }),
  );
}

/**
 * Commands at `perSecond` for random clusters: create → Succeeded seen on a watch. Returns the
 * round trips' percentiles and the cell's RSS (peak sampled each second) with all agents connected.
 */
async function commandPhase(
  parent: ControlPlane,
  agents: number,
  perSecond: number,
  durationMs: number,
  cell: Cell,
  cpuStart: () => [string, number, number][],
  cpuReport: (b: [string, number, number][], s: number) => string,
): Promise<{ figures: Record<string, unknown>; errors: number }> {
  const kube = parent.client;
  const pending = new Map<string, number>();
  const hist = new Map<number, number>();
  const phases = new Map<string, number>();
  let failedCreates = 0;
  const abort = new AbortController();
  const { resourceVersion } = await kube.listWithVersion<AgentCommand>(LINK_API_VERSION, "AgentCommand", {
    namespace: DEFAULT_NAMESPACE,
  });
  const watching = kube
    .watch<AgentCommand>(
      LINK_API_VERSION,
      "AgentCommand",
      {
        namespace: DEFAULT_NAMESPACE,
        resourceVersion,
        signal: abort.signal,
        labelSelector: "bench=cmd",
        timeoutSeconds: 600,
      },
      (e) => {
        const name = e.object.metadata.name;
        const phase = e.object.status?.phase;
        const started = pending.get(name);
        if (started === undefined || !isFinished(phase)) return;
        pending.delete(name);
        const b = bucketOf(performance.now() - started);
        hist.set(b, (hist.get(b) ?? 0) + 1);
        phases.set(phase!, (phases.get(phase!) ?? 0) + 1);
      },
    )
    .catch((e: unknown) => say(`command watch ended: ${(e as Error).message}`));
  let peak = 0;
  const sampler = setInterval(() => void (peak = Math.max(peak, rssMiB(cell.proc.pid))), 1000);
  const c0 = cpuStart();
  const t = Date.now();
  const total = Math.round((perSecond * durationMs) / 1000);
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t + (i * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const name = `bench-cmd-${i}`;
    const cluster = `bench-${Math.floor(Math.random() * agents)}`;
    pending.set(name, performance.now());
    creates.push(
      kube
        .create({
          apiVersion: LINK_API_VERSION,
          kind: "AgentCommand",
          metadata: { name, namespace: DEFAULT_NAMESPACE, labels: { bench: "cmd" } },
          spec: { cluster, reportStatus: {} },
        })
        .catch(() => {
          failedCreates++;
          pending.delete(name);
        }),
    );
  }
  await Promise.all(creates);
  const sentFor = (Date.now() - t) / 1000;
  for (let i = 0; i < 150 && pending.size > 0; i++) await sleep(100);
  clearInterval(sampler);
  abort.abort();
  await watching;
  const done = [...hist.values()].reduce((a, b) => a + b, 0);
  say(
    `commands: ${total} created in ${sentFor.toFixed(1)} s (${Math.round(total / sentFor)}/s), ${done} finished ${JSON.stringify(Object.fromEntries(phases))}, ${pending.size} not finished after 15 s, ${failedCreates} creates failed`,
  );
  say(`command phase CPU: ${cpuReport(c0, (Date.now() - t) / 1000)}`);
  say(
    `cell RSS ${rssMiB(cell.proc.pid)} MiB now, ${peak} MiB peak in the window, high-water mark ${rssMiB(cell.proc.pid, "VmHWM")} MiB`,
  );
  say(`cell stats: ${lastStats(cell.log)}`);
  const notSucceeded = done - (phases.get("Succeeded") ?? 0);
  return {
    figures: {
      cmd_rtt_p50_ms: percentile(hist, 0.5),
      cmd_rtt_p99_ms: percentile(hist, 0.99),
      cell_rss_mib: peak,
      cmd_per_s: Math.round(total / sentFor),
    },
    errors: pending.size + failedCreates + notSucceeded,
  };
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:link failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
