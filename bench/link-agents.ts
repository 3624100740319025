// A benchmark worker (started by bench/link.ts): hosts many agents in one process, each with its
// own key, certificate and TLS connection, all running the real LinkAgent against the cell's
// address (one or more cell processes sharing it, SO_REUSEPORT, as replicas behind a Service).
// Agents answer reportStatus commands (a light command) and count what they execute.
//
//   stdin  "count"              → {"type":"count", connected, byCell, executed, duplicates, reasons}
//   stdin  "hb <ms> <window>"   → heartbeat every <ms> for <window> ms, measuring round trips, then
//                                 stop heartbeating → {"type":"hb", sent, answered, histogram, ...}
//   stdin  "redial <per-second>" → every agent drops its stream and dials again, at that rate
//                                 → {"type":"redialed"} once all were told
//   stdin  "stop"               → close every stream and exit
//   stdout {"type":"ready", ...} once all agents are connected (or the deadline passed)
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { CertificateAuthority } from "../agent/pki/ca";
import { generateKeyPair, privateKeyPem } from "../agent/pki/crypto";
import { MemoryJournal } from "../agent/child/journal";
import { LinkAgent, type AgentHost } from "../agent/child/link";
import { jsonLogger } from "../agent/log";
import { BUCKET_COUNT, bucketOf } from "./link-histogram";

const { values: a } = parseArgs({
  options: {
    "ca-file": { type: "string" },
    "key-file": { type: "string" },
    address: { type: "string" },
    first: { type: "string" },
    count: { type: "string" },
    "connects-per-second": { type: "string" },
  },
});
const out = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");

let executed = 0;
let duplicates = 0;
const seen = new Set<string>();
const health = {
  nodesReady: 3,
  nodesTotal: 3,
  controlPlaneReady: true,
  machinePhases: {},
  observedUnixMs: Date.now(),
};
/** Health is fixed; a status report is answered at once (the light command of the benchmark). */
const host: AgentHost = {
  describe: async () => ({ agentVersion: "bench", kubernetesVersion: "v1.35.0", capabilities: ["status"] }),
  health: async () => health,
  execute: async (cmd) => {
    if (seen.has(cmd.id)) duplicates++;
    seen.add(cmd.id);
    executed++;
    return cmd.kind === "reportStatus"
      ? {
          commandId: cmd.id,
          outcome: "SUCCEEDED",
          status: { agentVersion: "bench", kubernetesVersion: "v1.35.0", health, fipsMode: false },
          finishedUnixMs: Date.now(),
        }
      : { commandId: cmd.id, outcome: "REJECTED", message: "benchmark agent", finishedUnixMs: Date.now() };
  },
};

async function main(): Promise<void> {
  const ca = await CertificateAuthority.fromPem(
    readFileSync(a["ca-file"]!, "utf8"),
    readFileSync(a["key-file"]!, "utf8"),
  );
  const first = Number(a.first);
  const count = Number(a.count);
  const log = jsonLogger({ component: "bench-agent", level: "error", write: () => undefined });

  // Certificates ahead of time, so the measurement sees only the link. They are the agents' only
  // identity for the whole run: a cell restart or failover must not need new ones.
  const t0 = Date.now();
  const identities = [];
  for (let i = 0; i < count; i++) {
    const keys = await generateKeyPair();
    const cluster = `bench-${first + i}`;
    const issued = await ca.issueAgent(keys.publicKey, cluster);
    identities.push({
      cluster,
      ca: ca.certPem,
      cert: issued.pem,
      key: await privateKeyPem(keys.privateKey),
      notBefore: new Date(),
      notAfter: issued.notAfter,
    });
  }
  const certMs = Date.now() - t0;

  const hist = new Uint32Array(BUCKET_COUNT);
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let sent = 0;
  let answered = 0;
  let connected = 0;
  let disconnects = 0;
  const cellOf: (string | undefined)[] = new Array<string | undefined>(count);
  const reasons = new Map<string, number>();
  const agents = identities.map(
    (id, i) =>
      new LinkAgent({
        cluster: id.cluster,
        address: a.address!,
        serverName: "lattice-cell",
        identity: id,
        host,
        journal: new MemoryJournal(),
        log,
        healthIntervalMs: 3600_000,
        backoff: { baseMs: 1000, maxMs: 30_000 },
        onConnected: (cell) => {
          connected++;
          cellOf[i] = cell;
        },
        onDisconnected: (reason) => {
          connected--;
          disconnects++;
          cellOf[i] = undefined;
          const key = reason.replace(/\d+/g, "N").slice(0, 80);
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        },
        // A heartbeat belongs to the window it was sent in; its answer may come after the window.
        onHeartbeatSent: (at) => {
          if (at >= windowStart && at < windowEnd) sent++;
        },
        onHeartbeatRtt: (ms, at) => {
          if (at < windowStart || at >= windowEnd) return;
          answered++;
          hist[bucketOf(ms)]!++;
        },
      }),
  );

  // Ramp: a steady rate of new TLS connections instead of all at once.
  const rate = Number(a["connects-per-second"] ?? 100);
  const started = Date.now();
  for (let i = 0; i < agents.length; i++) {
    agents[i]!.start();
    const due = started + ((i + 1) * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  const deadline = Date.now() + 180_000;
  while (connected < count && Date.now() < deadline) await sleep(100);
  out({
    type: "ready",
    connected,
    count,
    certMs,
    connectMs: Date.now() - started,
    disconnectReasons: Object.fromEntries(reasons),
  });

  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg1, arg2] = line.trim().split(/\s+/);
    if (cmd === "count") {
      const byCell: Record<string, number> = {};
      for (const c of cellOf) if (c) byCell[c] = (byCell[c] ?? 0) + 1;
      let handshakes = 0;
      let resumed = 0;
      for (const ag of agents) {
        handshakes += ag.tlsHandshakes.total;
        resumed += ag.tlsHandshakes.resumed;
      }
      out({
        type: "count",
        connected,
        byCell,
        executed,
        duplicates,
        disconnects,
        handshakes,
        resumed,
        reasons: Object.fromEntries(reasons),
      });
    } else if (cmd === "hb") {
      const everyMs = Number(arg1);
      const windowMs = Number(arg2);
      hist.fill(0);
      sent = answered = 0;
      const before = disconnects;
      for (const ag of agents) ag.setHeartbeatInterval(everyMs);
      await sleep(2 * everyMs); // every agent has started its rhythm
      // One millisecond ahead: a beat sent in this very millisecond, before the window existed, was not
      // counted as sent, so its answer must not be counted either (a fleet test once saw "lost: -4").
      windowStart = Date.now() + 1;
      windowEnd = windowStart + windowMs;
      await sleep(windowMs + 3000); // answers to the last heartbeats may take a moment
      for (const ag of agents) ag.setHeartbeatInterval(0);
      const sparse: Record<number, number> = {};
      hist.forEach((n, i) => {
        if (n) sparse[i] = n;
      });
      out({
        type: "hb",
        sent,
        answered,
        lost: sent - answered,
        disconnects: disconnects - before,
        histogram: sparse,
        rssMiB: Math.round(process.memoryUsage().rss / 1048576),
      });
      windowStart = windowEnd = Infinity;
    } else if (cmd === "redial") {
      const perSecond = Number(arg1);
      const t = Date.now();
      for (let i = 0; i < agents.length; i++) {
        agents[i]!.reconnect();
        const due = t + ((i + 1) * 1000) / perSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      out({ type: "redialed" });
    } else if (cmd === "stop") {
      break;
    }
  }
  // "stop", or stdin closed (whoever started this process is gone): close every stream and exit.
  await Promise.all(agents.map((ag) => ag.stop()));
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
