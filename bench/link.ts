// npm run bench:link -- --agents N [--duration 30s] [--workers W] [--connects-per-second R] [--settle 5m]
//
// N agents — each with its own key, certificate and TLS connection — against ONE `lattice cell`
// process backed by a real parent API server; every agent heartbeats each second; the round trip of
// every heartbeat in the measurement window is recorded. Agents are spread over W worker processes
// (bench/link-agents.ts) so the agents' own CPU is not one event loop. Certificates are made before
// connecting; connections are ramped at R per second; measurement starts once all are connected and
// the cell's heartbeat pacing has settled (a connect storm costs the cell more than heartbeats do,
// so it may have asked agents to slow down; the steady state is what is measured, within --settle).
//
// The cell and the workers run as compiled JavaScript (agent/deploy/build-js.sh, as in the image);
// --cell-runtime ts-node runs the cell through bin/lattice instead (ts-node adds ~80 MiB of RSS).
//
// Progress lines start with "#"; the last stdout line is one JSON object:
//   {"agents":N,"p50_ms":…,"p99_ms":…,"cell_rss_mib":…,"errors":…,"heartbeats_per_s":…,"max_interval_ms":…}
// errors = heartbeats without an answer + streams lost during the window + agents not connected.
// A cell that cannot keep up paces its agents (agent/cell/pacer.ts): heartbeats_per_s is the rate
// actually sent during the window and max_interval_ms the longest interval the cell asked for
// in force during the window (the requested --heartbeat when it never had to).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { startControlPlane, stopAll } from "../test/harness/controlplane";
import { startProcess, tail } from "../test/harness/processes";
import { nodePath, ROOT } from "../test/harness/tools";
import { installLinkCrds } from "../agent/deploy/crds";
import { loadOrCreateCa } from "../agent/pki/store";
import { CA_SECRET_NAME, DEFAULT_NAMESPACE, LINK_API_VERSION, type SecretObject } from "../agent/api/types";
import { parseDuration } from "../agent/runtime";
import { percentile } from "./link-histogram";

const AGENTS_PER_WORKER = 2500;

const { values: f } = parseArgs({
  options: {
    agents: { type: "string", default: "1000" },
    duration: { type: "string", default: "30s" },
    workers: { type: "string" },
    "connects-per-second": { type: "string", default: "400" },
    heartbeat: { type: "string", default: "1s" },
    "cell-runtime": { type: "string", default: "js" },
    "cell-node-options": { type: "string", default: "" },
    settle: { type: "string", default: "5m" },
  },
});
const say = (s: string) => process.stdout.write(`# ${s}\n`);

interface WorkerResult {
  sent: number;
  answered: number;
  lost: number;
  disconnects: number;
  notConnected: number;
  histogram: Record<string, number>;
  rssMiB: number;
}
interface Worker {
  proc: ChildProcess;
  next(type: string): Promise<Record<string, unknown>>;
}

/** Compiled code finds its packages through NODE_PATH (it lives outside the repository). */
const NODE_ENV_FOR_BUILD = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") };

function startWorker(build: string, args: string[]): Worker {
  const proc = spawn(nodePath(), [path.join(build, "bench", "link-agents.js"), ...args], {
    stdio: ["pipe", "pipe", "inherit"],
    env: NODE_ENV_FOR_BUILD,
  });
  const waiting = new Map<string, (v: Record<string, unknown>) => void>();
  const early = new Map<string, Record<string, unknown>>();
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const w = waiting.get(String(msg.type));
    if (w) {
      waiting.delete(String(msg.type));
      w(msg);
    } else early.set(String(msg.type), msg);
  });
  const exited = new Promise<never>((_, reject) =>
    proc.once("exit", (code) => reject(new Error(`worker exited with ${code}`))),
  );
  exited.catch(() => undefined);
  return {
    proc,
    next: (type) => {
      const got = early.get(type);
      if (got) {
        early.delete(type);
        return Promise.resolve(got);
      }
      return Promise.race([new Promise<Record<string, unknown>>((r) => waiting.set(type, r)), exited]);
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The pacer's changes in the cell's log: when, and the interval asked for from then on. */
function pacerChanges(cellLog: string): { at: number; intervalMs: number }[] {
  const out: { at: number; intervalMs: number }[] = [];
  for (const line of readFileSync(cellLog, "utf8").split("\n")) {
    if (!line.includes("heartbeat interval")) continue;
    try {
      const l = JSON.parse(line) as { ts: string; heartbeatIntervalMs?: number };
      if (l.heartbeatIntervalMs) out.push({ at: Date.parse(l.ts), intervalMs: l.heartbeatIntervalMs });
    } catch {
      // a partial line
    }
  }
  return out;
}

function rssMiB(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const agents = Number(f.agents);
  const durationMs = parseDuration(f.duration!, "--duration");
  const heartbeatMs = parseDuration(f.heartbeat!, "--heartbeat");
  const workers = Math.max(1, Number(f.workers ?? Math.ceil(agents / AGENTS_PER_WORKER)));
  const rate = Number(f["connects-per-second"]);
  if (!(agents > 0 && durationMs >= 1000 && workers <= agents))
    throw new Error("want --agents > 0, --duration >= 1s, --workers <= agents");
  say(
    `${agents} agents in ${workers} worker process(es), heartbeat ${heartbeatMs} ms, ${durationMs} ms measured, ${os.cpus().length} CPUs, ` +
      `cell runtime ${f["cell-runtime"]}${f["cell-node-options"] ? ` (${f["cell-node-options"]})` : ""}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );

  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-link-"));
  const procs: ChildProcess[] = [];
  const killAll = () => procs.forEach((p) => p.kill("SIGKILL"));
  process.on("exit", killAll);
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

    const build = path.join(dir, "build");
    execFileSync(path.join(ROOT, "agent", "deploy", "build-js.sh"), [build, "bench/link-agents.ts"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const cellLog = path.join(dir, "cell.log");
    const cellArgs = [
      "cell",
      "--kubeconfig",
      parent.kubeconfigPath,
      "--listen",
      "127.0.0.1:0",
      "--bootstrap-listen",
      "127.0.0.1:0",
      "--advertise",
      "127.0.0.1",
      "--heartbeat-interval",
      `${heartbeatMs}ms`,
      "--stats-interval",
      "10s",
    ];
    const nodeOptions = f["cell-node-options"] ? f["cell-node-options"].split(/\s+/) : [];
    const cell =
      f["cell-runtime"] === "ts-node"
        ? startProcess("cell", path.join(ROOT, "bin", "lattice"), cellArgs, cellLog, {
            ...process.env,
            NODE_OPTIONS: nodeOptions.join(" "),
          })
        : startProcess(
            "cell",
            nodePath(),
            [...nodeOptions, path.join(build, "cli", "main.js"), ...cellArgs],
            cellLog,
            NODE_ENV_FOR_BUILD,
          );
    let ready: { grpcPort: number } | undefined;
    for (let i = 0; i < 600 && !ready; i++) {
      await sleep(100);
      if (!cell.isRunning()) throw new Error(`cell exited:\n${tail(cellLog)}`);
      ready = readFileSync(cellLog, "utf8")
        .split("\n")
        .map((l) => {
          try {
            return JSON.parse(l) as { msg?: string; grpcPort: number };
          } catch {
            return undefined;
          }
        })
        .find((l) => l?.msg === "cell ready");
    }
    if (!ready) throw new Error(`cell not ready:\n${tail(cellLog)}`);
    say(`cell pid ${cell.pid} on 127.0.0.1:${ready.grpcPort}, RSS ${rssMiB(cell.pid)} MiB before agents`);

    const ws: Worker[] = [];
    for (let w = 0, first = 0; w < workers; w++) {
      const count = Math.floor(agents / workers) + (w < agents % workers ? 1 : 0);
      const worker = startWorker(build, [
        "--ca-file",
        caFile,
        "--key-file",
        keyFile,
        "--address",
        `127.0.0.1:${ready.grpcPort}`,
        "--first",
        String(first),
        "--count",
        String(count),
        "--connects-per-second",
        String(Math.max(1, rate / workers)),
        "--heartbeat-ms",
        String(heartbeatMs),
      ]);
      procs.push(worker.proc);
      ws.push(worker);
      first += count;
    }
    // Every real cluster's ClusterLink exists before its agent connects (issueBootstrapToken creates
    // it), so the cell's first status write is one write, not create + write. Same here.
    const links = Array.from({ length: agents }, (_, i) => `bench-${i}`);
    const created = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let name = links.pop(); name; name = links.pop()) {
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
    const readies = await Promise.all(ws.map((w) => w.next("ready")));
    await created;
    const connected = readies.reduce((n, r) => n + Number(r.connected), 0);
    const reasons = readies.map((r) => JSON.stringify(r.disconnectReasons)).filter((r) => r !== "{}");
    if (reasons.length) say(`streams lost while connecting: ${reasons.join(" ")}`);
    say(
      `connected ${connected}/${agents}; certificates ${Math.max(...readies.map((r) => Number(r.certMs)))} ms, connecting ${Math.max(...readies.map((r) => Number(r.connectMs)))} ms; cell RSS ${rssMiB(cell.pid)} MiB`,
    );

    await sleep(2000); // let the last connections settle (first health reports, status writes start)
    const settleBy = Date.now() + parseDuration(f.settle!, "--settle");
    for (;;) {
      const last = pacerChanges(cellLog).at(-1);
      const asked = last?.intervalMs ?? heartbeatMs;
      if (!last || Date.now() - last.at >= Math.max(10_000, 2 * asked)) {
        say(`cell asks for a ${asked} ms heartbeat interval${last ? " (settled after pacing)" : ""}`);
        break;
      }
      if (Date.now() > settleBy) {
        say(`pacing has not settled within ${f.settle} (now ${asked} ms); measuring anyway`);
        break;
      }
      await sleep(2000);
    }
    const watched = [
      ["cell", cell.pid],
      ...ws.map((w, i) => [`worker${i}`, w.proc.pid!]),
      ...parent.processes.map((p) => [p.name.split("/").pop()!, p.pid]),
    ] as [string, number][];
    const cpuBefore = watched.map(([, pid]) => cpuSeconds(pid));
    const windowStarted = Date.now();
    for (const w of ws) w.proc.stdin!.write(`measure ${durationMs}\n`);
    let peakDuring = 0;
    const sampler = setInterval(() => void (peakDuring = Math.max(peakDuring, rssMiB(cell.pid))), 1000);
    const results = (await Promise.all(ws.map((w) => w.next("result")))) as unknown as WorkerResult[];
    clearInterval(sampler);
    const elapsed = (Date.now() - windowStarted) / 1000;
    say(
      `CPU during the window: ${watched.map(([name, pid], i) => `${name} ${Math.round(((cpuSeconds(pid) - cpuBefore[i]!) / elapsed) * 100)}%`).join(", ")}`,
    );
    const cellRss = rssMiB(cell.pid);
    const hist = new Map<number, number>();
    let answered = 0;
    for (const r of results) {
      for (const [b, n] of Object.entries(r.histogram)) hist.set(Number(b), (hist.get(Number(b)) ?? 0) + n);
      answered += r.answered;
    }
    const sum = (k: keyof WorkerResult) => results.reduce((n, r) => n + Number(r[k]), 0);
    const errors = sum("lost") + sum("disconnects") + sum("notConnected");
    const withStatus = await parent.client
      .list<{ apiVersion: string; kind: string; metadata: { name: string }; status?: { connected?: boolean } }>(
        LINK_API_VERSION,
        "ClusterLink",
        { namespace: DEFAULT_NAMESPACE },
      )
      .then(
        (l) => l.filter((x) => x.status?.connected).length,
        () => -1,
      );
    say(
      `heartbeats: ${sum("sent")} sent, ${answered} answered, ${sum("lost")} lost; ${sum("disconnects")} streams lost; ${sum("notConnected")} agents not connected`,
    );
    say(
      `cell RSS ${cellRss} MiB now, ${peakDuring} MiB peak sampled in the window, ${rssMiB(cell.pid, "VmHWM")} MiB high-water mark; worker RSS ${results.map((r) => r.rssMiB).join("/")} MiB`,
    );
    say(
      `ClusterLinks reporting connected so far: ${withStatus} (status writes are rate-limited; they trail a connect storm)`,
    );

    const cellMessages = new Map<string, number>();
    for (const line of readFileSync(cellLog, "utf8").split("\n")) {
      const m = /"level":"(\w+)".*?"msg":"([^"]+)"/.exec(line);
      if (m && m[2] !== "stream bound" && m[2] !== "cell stats")
        cellMessages.set(`${m[1]}: ${m[2]}`, (cellMessages.get(`${m[1]}: ${m[2]}`) ?? 0) + 1);
    }
    say(`cell log (other than "stream bound"): ${JSON.stringify(Object.fromEntries(cellMessages))}`);
    const statLines = readFileSync(cellLog, "utf8")
      .split("\n")
      .filter((l) => l.includes('"cell stats"'))
      .slice(-4);
    for (const l of statLines) say(`cell stats: ${l.replace(/^.*"msg":"cell stats",/, "{")}`);
    for (const w of ws) w.proc.stdin!.write("stop\n");
    await Promise.all(ws.map((w) => new Promise((r) => (w.proc.exitCode !== null ? r(null) : w.proc.once("exit", r)))));
    await cell.stop();
    const changes = pacerChanges(cellLog);
    const inForce = [
      changes.filter((c) => c.at <= windowStarted).at(-1)?.intervalMs ?? heartbeatMs,
      ...changes.filter((c) => c.at > windowStarted).map((c) => c.intervalMs),
    ];
    process.stdout.write(
      JSON.stringify({
        agents,
        p50_ms: percentile(hist, 0.5),
        p99_ms: percentile(hist, 0.99),
        cell_rss_mib: cellRss,
        errors,
        heartbeats_per_s: Math.round(sum("sent") / (durationMs / 1000)),
        max_interval_ms: Math.max(...inForce),
      }) + "\n",
    );
  } finally {
    killAll();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:link failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
