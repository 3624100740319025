// npm run bench:flood [-- --agents 500 --flood 1000 --runs 3]
//
// Issue 18's bootstrap-endpoint figure: N agents connected to one `lattice cell` (a real parent API
// server, the agents' real link code: test/integration/link/support/fleet.ts) send a link round trip
// each second, first with nothing else going on ("quiet"), then while F slow or oversized
// connections from F source addresses hit the cell's bootstrap endpoint ("flooded"). Target: the
// flooded p99 under 100 ms, nothing lost, no agent disconnected. The quiet p99 of the same run is
// the baseline (ratio = flooded / quiet): on a busy machine the flood's TLS handshakes take CPU
// from everything, so the ratio says what the flood costs the link beyond that.
// Last line: {"agents","flood","quiet_p99_ms","flooded_p99_ms","ratio","lost","disconnects",…}.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { installLinkCrds, issueBootstrapToken } from "../agent/queue";
import { DEFAULT_NAMESPACE } from "../agent/api/types";
import { loadOrCreateCa } from "../agent/pki/store";
import { startControlPlane, stopAll } from "../test/harness/controlplane";
import { freePorts } from "../test/harness/processes";
import { createFleetLinks, startFleet, type Fleet } from "../test/integration/link/support/fleet";
import { flood } from "../test/integration/link/support/flood";
import { startCell } from "../test/integration/link/support/procs";
import { percentile } from "./link-histogram";

const { values: f } = parseArgs({
  options: {
    agents: { type: "string", default: "500" },
    flood: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
  },
});
const AGENTS = Number(f.agents);
const FLOOD = Number(f.flood);
const RUNS = Number(f.runs);
const load = () => os.loadavg().map((l) => Number(l.toFixed(1)));
const say = (m: string) => process.stderr.write(`# [load ${load().join(" ")}] ${m}\n`);
const p99Of = (h: Record<string, number>) =>
  percentile(new Map(Object.entries(h).map(([b, n]) => [Number(b), n])), 0.99);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-flood-"));
  let fleet: Fleet | undefined;
  const procs: { stop(): Promise<unknown> }[] = [];
  try {
    const parent = await startControlPlane({ name: "parent", controllerManager: false });
    await installLinkCrds(parent.client);
    await loadOrCreateCa(parent.client, DEFAULT_NAMESPACE);
    await createFleetLinks(parent, 0, AGENTS);
    const [grpcPort, bootstrapPort] = (await freePorts(2)) as [number, number];
    const args = ["--listen", `127.0.0.1:${grpcPort}`, "--bootstrap-listen", `127.0.0.1:${bootstrapPort}`];
    const cell = await startCell(parent, dir, { host: "127.0.0.1", name: "cell-1", args });
    procs.push(cell.proc);
    fleet = await startFleet(parent, dir, { address: `127.0.0.1:${grpcPort}`, first: 0, size: AGENTS });
    say(`${(await fleet.ready()).connected}/${AGENTS} agents connected`);
    const caPem = (await issueBootstrapToken(parent.client, "bench-flood", { ttlSeconds: 600 })).caBundle;

    const runs: { quiet: number; flooded: number; lost: number; disconnects: number; refused: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const quiet = await fleet.heartbeats(1000, 6000);
      const measuring = fleet.heartbeats(1000, 12_000);
      await new Promise((res) => setTimeout(res, 2500));
      const outcomes = await flood(bootstrapPort, caPem, FLOOD);
      const hb = await measuring;
      const run = {
        quiet: p99Of(quiet.histogram),
        flooded: p99Of(hb.histogram),
        lost: hb.sent - hb.answered,
        disconnects: hb.disconnects,
        refused: outcomes.filter((o) => o.result !== "open").length,
      };
      runs.push(run);
      say(`run ${r + 1}: ${JSON.stringify(run)}`);
    }
    const quietP99 = median(runs.map((r) => r.quiet));
    const floodedP99 = median(runs.map((r) => r.flooded));
    process.stdout.write(
      JSON.stringify({
        agents: AGENTS,
        flood: FLOOD,
        runs: RUNS,
        quiet_p99_ms: quietP99,
        flooded_p99_ms: floodedP99,
        ratio: Number((floodedP99 / Math.max(1, quietP99)).toFixed(2)),
        lost: runs.reduce((a, r) => a + r.lost, 0),
        disconnects: runs.reduce((a, r) => a + r.disconnects, 0),
        flood_not_closed: runs.reduce((a, r) => a + (FLOOD - r.refused), 0),
        load_avg: load(),
      }) + "\n",
    );
  } finally {
    await fleet?.stop();
    for (const p of procs) await p.stop();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:flood: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
