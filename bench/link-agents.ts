// A benchmark worker (started by bench/link.ts): hosts many agents in one process, each with its
// own key, certificate and TLS connection, all running the real LinkAgent against one cell.
//
//   stdin  "measure <ms>"  → reset counters, measure heartbeat round trips for <ms>, report
//   stdin  "stop"          → close every stream and exit
//   stdout JSON lines: {"type":"ready",...} once all agents are connected (or the deadline passed),
//                      {"type":"result",...} after a measurement.
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
    "heartbeat-ms": { type: "string" },
  },
});
const out = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");

/** Agents never execute commands here; health is fixed. */
const host: AgentHost = {
  describe: async () => ({ agentVersion: "bench", kubernetesVersion: "v1.35.0", capabilities: ["status"] }),
  health: async () => ({
    nodesReady: 3,
    nodesTotal: 3,
    controlPlaneReady: true,
    machinePhases: {},
    observedUnixMs: Date.now(),
  }),
  execute: async (cmd) => ({
    commandId: cmd.id,
    outcome: "REJECTED",
    message: "benchmark agent",
    finishedUnixMs: Date.now(),
  }),
};

async function main(): Promise<void> {
  const ca = await CertificateAuthority.fromPem(
    readFileSync(a["ca-file"]!, "utf8"),
    readFileSync(a["key-file"]!, "utf8"),
  );
  const first = Number(a.first);
  const count = Number(a.count);
  const heartbeatMs = Number(a["heartbeat-ms"] ?? 1000);
  const log = jsonLogger({ component: "bench-agent", level: "error", write: () => undefined });

  // Certificates ahead of time, so the measurement sees only the link.
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
  let measuring = false;
  let windowStart = 0;
  let windowEnd = Infinity;
  let sent = 0;
  let answered = 0;
  let disconnects = 0;
  let connected = 0;
  const reasons = new Map<string, number>();
  const agents = identities.map(
    (id) =>
      new LinkAgent({
        cluster: id.cluster,
        address: a.address!,
        serverName: "lattice-cell",
        identity: id,
        host,
        journal: new MemoryJournal(),
        log,
        heartbeatIntervalMs: heartbeatMs,
        healthIntervalMs: 3600_000,
        backoff: { baseMs: 1000, maxMs: 10_000 },
        onConnected: () => void connected++,
        onDisconnected: (reason) => {
          connected--;
          if (measuring) disconnects++;
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
  const deadline = Date.now() + 120_000;
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
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === "measure") {
      const durationMs = Number(arg);
      const notConnected = count - connected;
      hist.fill(0);
      sent = answered = disconnects = 0;
      windowStart = Date.now();
      windowEnd = windowStart + durationMs;
      measuring = true;
      await sleep(durationMs + 3000); // answers to the last heartbeats may take a moment
      measuring = false;
      const sparse: Record<number, number> = {};
      hist.forEach((n, i) => {
        if (n) sparse[i] = n;
      });
      out({
        type: "result",
        sent,
        answered,
        lost: sent - answered,
        disconnects,
        notConnected,
        histogram: sparse,
        rssMiB: Math.round(process.memoryUsage().rss / 1048576),
        disconnectReasons: Object.fromEntries(reasons),
      });
    } else if (cmd === "stop") {
      await Promise.all(agents.map((ag) => ag.stop()));
      process.exit(0);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
