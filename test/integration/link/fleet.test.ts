// A fleet of 500 agents on one `lattice cell` process (real parent API server, real agents' link
// code in one worker process — test/integration/link/support/fleet.ts):
//  - the cell is killed (-9) with commands queued and started again: every agent is back on the
//    certificate it had (no token issued, no certificate signed), every AgentCommand ran exactly
//    once (the agents count their executions);
//  - the bootstrap endpoint is flooded with 1,000 slow or oversized connections from 1,000 source
//    addresses: no link round trip is lost and no agent disconnected (their p99: bench:flood), every HTTP
//    answer of the flood is the one refusal, an oversized body is refused before it is sent, and a
//    slow request is cut within seconds.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { freePorts } from "../../harness/processes";
import { redeemBootstrapToken } from "../../../agent/child/bootstrap";
import { REFUSED } from "../../../agent/cell/bootstrap";
import { enqueueCommand, installLinkCrds, issueBootstrapToken, type CommandHandle } from "../../../agent/queue";
import { DEFAULT_NAMESPACE, LINK_API_VERSION, isFinished, type AgentCommand } from "../../../agent/api/types";
import { loadOrCreateCa } from "../../../agent/pki/store";
import { TOKEN_LABEL } from "../../../agent/tokens/store";
import { eventually } from "../../../agent/testkit/wait";
import { percentile } from "../../../bench/link-histogram";
import { createFleetLinks, startFleet, type Fleet } from "./support/fleet";
import { flood } from "./support/flood";
import { startCell, type CellReady, type LatticeProc } from "./support/procs";

jest.setTimeout(240_000);

const SIZE = 500;

describe(`a fleet of ${SIZE} agents on one cell`, () => {
  let dir: string;
  let parent: ControlPlane;
  let fleet: Fleet;
  let cell: LatticeProc & { ready: CellReady };
  let fixed: string[];
  const cells: (LatticeProc & { ready: CellReady })[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-fleet-"));
    parent = await startControlPlane({ name: "parent", controllerManager: false });
    await installLinkCrds(parent.client);
    await loadOrCreateCa(parent.client, DEFAULT_NAMESPACE);
    await createFleetLinks(parent, 0, SIZE);
    const [grpcPort, bootstrapPort] = (await freePorts(2)) as [number, number];
    fixed = ["--listen", `127.0.0.1:${grpcPort}`, "--bootstrap-listen", `127.0.0.1:${bootstrapPort}`];
    cell = await startCell(parent, dir, { host: "127.0.0.1", name: "cell-1", args: fixed });
    cells.push(cell);
    fleet = await startFleet(parent, dir, { address: `127.0.0.1:${grpcPort}`, first: 0, size: SIZE });
    expect((await fleet.ready()).connected).toBe(SIZE);
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const c of cells) await c.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tokenRecords = async () =>
    (await parent.client.list("v1", "Secret", { namespace: DEFAULT_NAMESPACE, labelSelector: `${TOKEN_LABEL}=true` }))
      .length;

  it("a cell killed and restarted: all back on the certificates they had, every command run exactly once", async () => {
    const tokensBefore = await tokenRecords();
    const handshakesBefore = await fleet.count();
    const enqueue = (from: number, to: number) =>
      Promise.all(
        fleet.clusters
          .slice(from, to)
          .map((c) => enqueueCommand(parent.client, c, { kind: "reportStatus" }, { name: `status-${c}` })),
      );
    const queued: CommandHandle[] = await enqueue(0, SIZE / 2);
    // Kill it while those are in flight: some delivered, some answered, some not even sent.
    process.kill(-cell.proc.pid, "SIGKILL");
    await cell.proc.exited;
    const killedAt = Date.now();
    queued.push(...(await enqueue(SIZE / 2, SIZE))); // queued while no cell runs
    cell = await startCell(parent, dir, { host: "127.0.0.1", name: "cell-2", args: fixed });
    cells.push(cell);
    const restartedS = (Date.now() - killedAt) / 1000;

    const back = await eventually(
      async () => {
        const c = await fleet.count();
        return c.connected === SIZE && !c.byCell[cells[0]!.ready.instance] ? c : undefined;
      },
      `all ${SIZE} agents back on the restarted cell`,
      120_000,
      250,
    );
    const allBackS = (Date.now() - killedAt) / 1000;
    expect(back.byCell).toEqual({ [cell.ready.instance]: SIZE });

    const finished = await eventually(
      async () => {
        const cmds = (await parent.client.list<AgentCommand>(LINK_API_VERSION, "AgentCommand", {
          namespace: DEFAULT_NAMESPACE,
        })) as AgentCommand[];
        const mine = cmds.filter((c) => c.metadata.name.startsWith("status-bench-"));
        return mine.length === SIZE && mine.every((c) => isFinished(c.status?.phase)) ? mine : undefined;
      },
      `all ${SIZE} commands finished`,
      120_000,
      500,
    );
    expect(new Set(finished.map((c) => c.status!.phase))).toEqual(new Set(["Succeeded"]));
    expect(new Set(finished.map((c) => c.metadata.uid))).toEqual(new Set(queued.map((h) => h.uid)));
    const after = await fleet.count();
    expect({ executed: after.executed, duplicates: after.duplicates }).toEqual({ executed: SIZE, duplicates: 0 });
    // They resumed their TLS sessions: the restarted cell shares the ticket keys (a Secret).
    expect(after.resumed - handshakesBefore.resumed).toBeGreaterThanOrEqual(
      0.9 * (after.handshakes - handshakesBefore.handshakes),
    );
    // Nothing was issued to get them back: no token record, no renewal.
    expect(await tokenRecords()).toBe(tokensBefore);
    const links = await parent.client.list<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      status?: { certificateRenewedTime?: string };
    }>(LINK_API_VERSION, "ClusterLink", { namespace: DEFAULT_NAMESPACE });
    expect(links.filter((l) => l.status?.certificateRenewedTime)).toEqual([]);
    process.stdout.write(
      `# fleet restart [load ${os.loadavg()[0]!.toFixed(1)}]: the cell served again ${restartedS.toFixed(1)} s ` +
        `after the kill (bin/lattice under ts-node), all ${SIZE} agents back after ${allBackS.toFixed(1)} s\n`,
    );
  });

  it("the bootstrap endpoint flooded by 1,000 slow or oversized connections: round trips kept, one refusal", async () => {
    const port = cell.ready.bootstrapPort;
    const caPem = (await issueBootstrapToken(parent.client, "after-flood", { ttlSeconds: 600 })).caBundle;
    const p99Of = (h: Record<string, number>) =>
      percentile(new Map(Object.entries(h).map(([b, n]) => [Number(b), n])), 0.99);
    // The same round trips without a flood first: what this machine gives right now.
    const quiet = await fleet.heartbeats(1000, 6000);
    const measuring = fleet.heartbeats(1000, 12_000);
    await new Promise((r) => setTimeout(r, 2500)); // the heartbeat rhythm is on

    const outcomes = await flood(port, caPem, 1000);
    const hb = await measuring;

    const hist = new Map(Object.entries(hb.histogram).map(([b, n]) => [Number(b), n]));
    const p99 = percentile(hist, 0.99);
    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[`${o.kind}:${o.result}`] = (tally[`${o.kind}:${o.result}`] ?? 0) + 1;
    const quietP99 = p99Of(quiet.histogram);
    process.stdout.write(
      `# bootstrap flood [load ${os.loadavg()[0]!.toFixed(1)}]: link p50 ${percentile(hist, 0.5)} ms, p99 ${p99} ms over ` +
        `${hb.answered} round trips (without the flood: p99 ${quietP99} ms); flood ${JSON.stringify(tally)}\n`,
    );
    expect({ lost: hb.sent - hb.answered, disconnects: hb.disconnects }).toEqual({ lost: 0, disconnects: 0 });
    expect(hb.answered).toBeGreaterThan(SIZE * 8);
    // The p99 itself is a speed figure, so it is printed here and judged by `npm run bench:flood` (on a
    // busy machine the flood's own TLS handshakes take CPU from the link whatever thread serves them).
    // Every HTTP answer the flood got is the one refusal; the oversized ones got it without sending a body.
    const answered = outcomes.filter((o) => o.answer !== undefined);
    expect(answered.length).toBeGreaterThan(0);
    for (const o of answered) expect(o.answer).toBe(`403 ${JSON.stringify(REFUSED)}`);
    // A slow request is cut within the header timeout (5 s) plus its check interval (1 s), counted
    // from when it could send (its TLS handshake done: it may first wait in the queue).
    for (const o of outcomes.filter((x) => x.kind === "slow" && x.result === "cut"))
      expect(o.closedAfterMs!).toBeLessThan(7500);
    expect(outcomes.filter((o) => o.result === "open")).toEqual([]);
    // And the endpoint still serves a real node.
    await eventually(
      async () => {
        const grant = await issueBootstrapToken(parent.client, "after-flood", { ttlSeconds: 600 });
        return (
          await redeemBootstrapToken({
            url: `https://127.0.0.1:${port}`,
            caPem,
            token: grant.token,
            cluster: "after-flood",
          })
        ).identity.cluster;
      },
      "a bootstrap after the flood",
      30_000,
      1000,
    );
  });
});
