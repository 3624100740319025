// The agent's link loop against a scripted cell: a real gRPC server (mTLS, loopback) speaking the
// hypothetical v2 protocol, so it can also send what a v1 agent has never seen.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import { KubeClient } from "../../kube/client";
import { memoryLogger } from "../log";
import { LOADER_OPTIONS } from "../protocol/load";
import { LinkServerCredentials } from "../protocol/channel";
import { testPki, type TestPki } from "../testkit/pki";
import { eventually } from "../testkit/wait";
import { Executor } from "./executor";
import { MemoryJournal } from "./journal";
import { LinkAgent, type AgentHost } from "./link";

type Msg = Record<string, unknown> & { body?: string };
interface ServerCall {
  write(m: Msg): boolean;
  end(): void;
  emit(ev: "error", s: { code: number; details: string }): boolean;
  on(ev: "data", f: (m: Msg) => void): void;
  on(ev: string, f: () => void): void;
}
const V2 = grpc.loadPackageDefinition(
  protoLoader.loadSync(path.join(__dirname, "..", "protocol", "testdata", "agent_v2.proto"), LOADER_OPTIONS),
) as unknown as { lattice: { agent: { v1: { Link: { service: grpc.ServiceDefinition } } } } };

/** A cell whose behaviour per connection is a script; records every message per connection. */
async function scriptedCell(pki: TestPki, script: (call: ServerCall, conn: number, got: Msg[]) => void) {
  const connections: Msg[][] = [];
  const server = new grpc.Server();
  server.addService(V2.lattice.agent.v1.Link.service, {
    Connect(call: ServerCall) {
      const got: Msg[] = [];
      connections.push(got);
      call.on("data", (m: Msg) => got.push(m));
      call.on("error", () => undefined);
      script(call, connections.length, got);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", new LinkServerCredentials(pki.serving), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, connections, stop: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

const welcome = (conn: number) => ({
  welcome: { protocolVersion: 1, cellVersion: "test", heartbeatIntervalMs: 60_000, sessionId: `s${conn}` },
});

describe("LinkAgent", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await testPki();
  });

  function makeAgent(
    port: number,
    identity: Awaited<ReturnType<TestPki["agent"]>>,
    execute?: AgentHost["execute"],
    heartbeatIntervalMs?: number,
    health?: AgentHost["health"],
  ) {
    const log = memoryLogger("agent");
    // The executor never reaches a cluster in these tests (status and unknown kinds only).
    const executor = new Executor(
      new KubeClient({ server: "https://127.0.0.1:1" }),
      { cluster: "c1", capiNamespace: "default" },
      {
        agentVersion: "test",
        fipsMode: false,
        kubernetesVersion: async () => "v1.35.0",
        health: async () => ({
          nodesReady: 1,
          nodesTotal: 1,
          controlPlaneReady: true,
          machinePhases: {},
          observedUnixMs: 1,
        }),
      },
    );
    const host: AgentHost = {
      describe: async () => ({ agentVersion: "test", kubernetesVersion: "v1.35.0", capabilities: ["status"] }),
      health: health ?? (async () => undefined),
      execute: execute ?? ((cmd) => executor.execute(cmd)),
    };
    const agent = new LinkAgent({
      cluster: "c1",
      address: `127.0.0.1:${port}`,
      serverName: "lattice-cell",
      identity,
      host,
      journal: new MemoryJournal(),
      log,
      backoff: { baseMs: 20, maxMs: 100 },
      healthIntervalMs: 30,
      ...(heartbeatIntervalMs ? { heartbeatIntervalMs } : {}),
    });
    return { agent, log };
  }

  it("answers an unknown command kind with UNSUPPORTED and ignores unknown cell messages", async () => {
    const cell = await scriptedCell(pki, (call, conn) => {
      call.on("data", (m: Msg) => {
        if (m.body !== "hello") return;
        call.write(welcome(conn));
        call.write({ drain: { reason: "v2 only" } });
        call.write({ command: { id: "r1", cluster: "c1", reboot: { node: "n1" } } });
      });
    });
    const { agent, log } = makeAgent(cell.port, await pki.agent("c1"));
    agent.start();
    try {
      const got = await eventually(() => cell.connections[0]?.find((m) => m.body === "commandResult"), "a result");
      expect(got.commandResult).toMatchObject({ commandId: "r1", outcome: "UNSUPPORTED" });
      expect(cell.connections[0]!.some((m) => m.body === "commandAck")).toBe(true);
      expect(log.lines.some((l) => l.msg === "message of a kind this agent does not know: ignored")).toBe(true);
      expect(agent.connected).toBe(true);
    } finally {
      await agent.stop();
      await cell.stop();
    }
  });

  it("executes a command once when it is delivered again, and re-sends its result until acknowledged", async () => {
    let executions = 0;
    const cmd = { id: "once", cluster: "c1", reportStatus: {} };
    const cell = await scriptedCell(pki, (call, conn, got) => {
      call.on("data", (m: Msg) => {
        if (m.body === "hello") {
          call.write(welcome(conn));
          call.write({ command: cmd });
          call.write({ command: cmd }); // duplicate delivery on the same stream
        }
        if (m.body === "commandResult" && conn === 1) {
          // Lose the stream before acknowledging: the agent must keep the result.
          setTimeout(() => call.emit("error", { code: grpc.status.UNAVAILABLE, details: "cell restarting" }), 10);
        }
        if (m.body === "commandResult" && conn === 2 && got.filter((g) => g.body === "commandResult").length === 2) {
          call.write({ resultAck: { commandId: "once" } });
        }
      });
    });
    const { agent, log } = makeAgent(cell.port, await pki.agent("c1"), async (c) => {
      executions++;
      return { commandId: c.id, outcome: "SUCCEEDED", finishedUnixMs: Date.now() };
    });
    agent.start();
    try {
      // Second stream: the unacknowledged result comes again, and the re-sent command is answered
      // from the journal — two results, one execution.
      await eventually(
        () => (cell.connections[1]?.filter((m) => m.body === "commandResult").length ?? 0) >= 2,
        "two results on the second stream",
      );
      expect(executions).toBe(1);
      // The duplicate on the first stream is acknowledged and either ignored (still running) or
      // answered from the journal (already done) — never executed.
      expect(cell.connections[0]!.filter((m) => m.body === "commandAck")).toHaveLength(2);
      expect(cell.connections[0]!.filter((m) => m.body === "commandResult").length).toBeGreaterThanOrEqual(1);
      expect(log.lines.some((l) => l.msg === "duplicate command answered from the journal")).toBe(true);
      expect(log.lines.some((l) => l.msg === "link lost; reconnecting")).toBe(true);
    } finally {
      await agent.stop();
      await cell.stop();
    }
  });

  it("sends nothing in the steady state: no heartbeats unless asked, health only when it changed", async () => {
    let ready = 1;
    const cell = await scriptedCell(pki, (call, conn) => {
      call.on("data", (m: Msg) => {
        if (m.body === "hello")
          call.write({
            welcome: { protocolVersion: 1, cellVersion: "test", heartbeatIntervalMs: 0, sessionId: `s${conn}` },
          });
      });
    });
    let reads = 0;
    const { agent } = makeAgent(cell.port, await pki.agent("c1"), undefined, undefined, async () => {
      reads++;
      return {
        nodesReady: ready,
        nodesTotal: 3,
        controlPlaneReady: true,
        machinePhases: {},
        observedUnixMs: Date.now(),
      };
    });
    agent.start();
    const sent = (body: string) => cell.connections[0]?.filter((m) => m.body === body).length ?? 0;
    try {
      await eventually(() => reads >= 10, "ten health reads");
      expect(sent("health")).toBe(1); // read every 30 ms, sent once: it did not change
      expect(sent("heartbeat")).toBe(0);
      expect(agent.heartbeatIntervalMs).toBe(0);
      ready = 2;
      await eventually(() => sent("health") === 2, "the changed health sent");
      const r = reads;
      await eventually(() => reads >= r + 5, "five more reads");
      expect(sent("health")).toBe(2);
      expect(cell.connections[0]!.map((m) => m.body).filter((b) => b !== "health")).toEqual(["hello"]);
    } finally {
      await agent.stop();
      await cell.stop();
    }
  });

  it("heartbeats when an older cell asks for them, at the longer interval a loaded one asks, never below its own", async () => {
    let ask = 0;
    const cell = await scriptedCell(pki, (call, conn) => {
      call.on("data", (m: Msg) => {
        if (m.body === "hello")
          call.write({
            welcome: { protocolVersion: 1, cellVersion: "test", heartbeatIntervalMs: 40, sessionId: `s${conn}` },
          });
        const hb = m.heartbeat as { seq: number; sentUnixMs: number } | undefined;
        if (hb) call.write({ heartbeatAck: { seq: hb.seq, sentUnixMs: hb.sentUnixMs, heartbeatIntervalMs: ask } });
      });
    });
    const { agent } = makeAgent(cell.port, await pki.agent("c1"));
    agent.start();
    const beats = () => cell.connections[0]?.filter((m) => m.body === "heartbeat").length ?? 0;
    try {
      await eventually(() => beats() >= 3, "heartbeats at the base interval");
      expect(agent.heartbeatIntervalMs).toBe(40);
      ask = 400;
      await eventually(() => agent.heartbeatIntervalMs === 400, "the paced interval");
      const paced = beats();
      await new Promise((r) => setTimeout(r, 600));
      expect(beats() - paced).toBeLessThanOrEqual(2); // 40 ms apart would be ~15
      ask = 10; // below the agent's own interval: back to its base, not faster
      await eventually(() => agent.heartbeatIntervalMs === 40, "back to the base interval", 5000);
      expect(agent.connected).toBe(true);
    } finally {
      await agent.stop();
      await cell.stop();
    }
  });
});
