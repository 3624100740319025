// The cell's stream handling over real gRPC with mutual TLS on a loopback port: identity binding,
// refusals, replacement, cleanup, and compatibility with a newer (v2) agent.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import { memoryLogger } from "../log";
import { LOADER_OPTIONS, linkPackage, type CellMessage__Output } from "../protocol/load";
import { LinkServerCredentials, linkChannelCredentials, linkChannelOptions, type TlsMaterial } from "../protocol/tls";
import { testPki, type TestPki } from "../testkit/pki";
import { MemoryCommands, RecordingStatus } from "../testkit/ports";
import { eventually } from "../testkit/wait";
import { HeartbeatPacer } from "./pacer";
import { startLinkServer, type LinkServer } from "./server";

type Msg = Record<string, unknown>;
interface ClientCall {
  write(m: Msg): boolean;
  end(): void;
  cancel(): void;
  on(ev: string, f: (x: never) => void): void;
}
interface LinkCtor {
  new (
    addr: string,
    creds: grpc.ChannelCredentials,
    opts: grpc.ChannelOptions,
  ): grpc.Client & { Connect(): ClientCall };
}

const V2 = grpc.loadPackageDefinition(
  protoLoader.loadSync(path.join(__dirname, "..", "protocol", "testdata", "agent_v2.proto"), LOADER_OPTIONS),
) as unknown as { lattice: { agent: { v1: { Link: LinkCtor } } } };

const hello = (cluster: string, extra: Msg = {}) => ({
  cluster,
  hello: {
    protocolVersion: 1,
    minProtocolVersion: 1,
    agentVersion: "test",
    kubernetesVersion: "v1.35.0",
    capabilities: ["status"],
    ...extra,
  },
});

describe("link sessions (real gRPC, mTLS, loopback)", () => {
  let pki: TestPki;
  let c1: TlsMaterial;
  let status: RecordingStatus;
  let commands: MemoryCommands;
  let log: ReturnType<typeof memoryLogger>;
  let server: LinkServer;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    pki = await testPki();
    c1 = await pki.agent("c1");
  });
  beforeEach(async () => {
    status = new RecordingStatus();
    commands = new MemoryCommands();
    log = memoryLogger("cell");
    server = await startLinkServer({
      host: "127.0.0.1",
      port: 0,
      credentials: new LinkServerCredentials(pki.serving),
      status,
      commands,
      log,
      heartbeatIntervalMs: 60_000,
      renew: async () => Promise.reject(new Error("no renewals in this test")),
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop(1000);
  });

  function open(m: TlsMaterial, Link: LinkCtor = linkPackage().Link as unknown as LinkCtor) {
    const client = new Link(`127.0.0.1:${server.port}`, linkChannelCredentials(m), linkChannelOptions());
    clients.push(client);
    const call = client.Connect();
    const received: CellMessage__Output[] = [];
    const ended = new Promise<{ code: number; details: string }>((resolve) => {
      call.on("status", ((s: grpc.StatusObject) => resolve({ code: s.code, details: s.details })) as (
        x: never,
      ) => void);
      call.on("error", (() => undefined) as (x: never) => void);
    });
    call.on("data", ((d: CellMessage__Output) => received.push(d)) as (x: never) => void);
    const next = (body: string) => eventually(() => received.find((r) => r.body === body), `a ${body} message`);
    return { call, received, ended, next };
  }

  it("binds a stream to the cluster in its certificate and answers heartbeats", async () => {
    const s = open(c1);
    s.call.write(hello("c1"));
    const w = await s.next("welcome");
    expect(w.welcome).toMatchObject({ protocolVersion: 1, heartbeatIntervalMs: 60_000 });
    s.call.write({ cluster: "c1", heartbeat: { seq: 7, sentUnixMs: 123 } });
    expect((await s.next("heartbeatAck")).heartbeatAck).toEqual({
      seq: 7,
      sentUnixMs: 123,
      heartbeatIntervalMs: 60_000,
    });
    expect(status.events.filter((e) => e.type === "connected").map((e) => e.cluster)).toEqual(["c1"]);
    expect(server.registry.get("c1")?.id).toBe(w.welcome!.sessionId);
  });

  it("asks for the pacer's interval in every ack: longer while the cell is saturated, the base again once it has room", async () => {
    await server.stop(1000);
    const pacer = new HeartbeatPacer({ baseMs: 60_000, maxMs: 200_000, high: 0.9, low: 0.6, factor: 2 });
    server = await startLinkServer({
      host: "127.0.0.1",
      port: 0,
      credentials: new LinkServerCredentials(pki.serving),
      status,
      commands,
      log,
      pacer,
      pacePeriodMs: 3600_000,
      heartbeatIntervalMs: 60_000,
      renew: async () => Promise.reject(new Error("no renewals in this test")),
    });
    const s = open(c1);
    s.call.write(hello("c1"));
    await s.next("welcome");
    const ackFor = async (seq: number) => {
      s.call.write({ cluster: "c1", heartbeat: { seq, sentUnixMs: seq } });
      return (await eventually(() => s.received.find((r) => r.heartbeatAck?.seq === seq), `ack ${seq}`)).heartbeatAck!
        .heartbeatIntervalMs;
    };
    expect(await ackFor(1)).toBe(60_000);
    // Observed a day apart, so the pacer's hold after each change is over (see pacer.test.ts).
    const day = 86_400_000;
    pacer.observe(0.97, 1 * day);
    expect(await ackFor(2)).toBe(120_000);
    pacer.observe(0.99, 2 * day);
    expect(await ackFor(3)).toBe(200_000); // capped
    pacer.observe(0.75, 3 * day); // between the thresholds: hold
    expect(await ackFor(4)).toBe(200_000);
    pacer.observe(0.1, 4 * day);
    pacer.observe(0.1, 5 * day);
    expect(await ackFor(5)).toBe(60_000); // never below the base
  });

  it("rejects a Hello about another cluster with PERMISSION_DENIED and logs it", async () => {
    const s = open(c1);
    s.call.write(hello("c2"));
    const end = await s.ended;
    expect(end.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(end.details).toMatch(/bound to cluster "c1"/);
    expect(status.events).toEqual([]);
    expect(
      log.lines.some(
        (l) => l.msg === "message about another cluster rejected" && l.cluster === "c1" && l.claimed === "c2",
      ),
    ).toBe(true);
  });

  it("ends a bound stream that sends a heartbeat about another cluster, and reports it disconnected", async () => {
    const s = open(c1);
    s.call.write(hello("c1"));
    await s.next("welcome");
    s.call.write({ cluster: "c2", heartbeat: { seq: 1, sentUnixMs: 1 } });
    expect((await s.ended).code).toBe(grpc.status.PERMISSION_DENIED);
    await eventually(() => status.events.some((e) => e.type === "disconnected" && e.cluster === "c1"), "disconnected");
    expect(server.registry.size).toBe(0);
  });

  it("rejects a result for another cluster's command", async () => {
    commands.add({ id: "cmd-of-c2", cluster: "c2", reportStatus: {} });
    const s = open(c1);
    s.call.write(hello("c1"));
    await s.next("welcome");
    s.call.write({ cluster: "c1", commandResult: { commandId: "cmd-of-c2", outcome: "SUCCEEDED" } });
    expect((await s.ended).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(commands.results.size).toBe(0);
  });

  it("requires Hello first", async () => {
    const s = open(c1);
    s.call.write({ cluster: "c1", heartbeat: { seq: 1, sentUnixMs: 1 } });
    expect((await s.ended).code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it("replaces an older stream for the same cluster cleanly", async () => {
    const a = open(c1);
    a.call.write(hello("c1"));
    const wa = await a.next("welcome");
    const b = open(c1);
    b.call.write(hello("c1"));
    const wb = await b.next("welcome");
    const endA = await a.ended;
    expect(endA.code).toBe(grpc.status.ABORTED);
    expect(server.registry.get("c1")?.id).toBe(wb.welcome!.sessionId);
    // The old stream's cleanup must not report the cluster disconnected: the new one owns it.
    expect(status.events.filter((e) => e.type === "disconnected")).toEqual([]);
    expect([...commands.attached].map((t) => t.sessionId)).toEqual([wb.welcome!.sessionId]);
    await eventually(() => server.openStreams() === 1, "one open stream");
    b.call.write({ cluster: "c1", heartbeat: { seq: 2, sentUnixMs: 2 } });
    await b.next("heartbeatAck");
    expect(wa.welcome!.sessionId).not.toBe(wb.welcome!.sessionId);
  });

  it("cleans up a stream the agent cancels", async () => {
    const s = open(c1);
    s.call.write(hello("c1"));
    await s.next("welcome");
    s.call.cancel();
    await eventually(() => server.openStreams() === 0 && server.registry.size === 0, "no streams left");
    expect(status.events.map((e) => e.type)).toEqual(["connected", "disconnected"]);
    expect(commands.attached.size).toBe(0);
  });

  it("delivers commands on bind and records acknowledged results", async () => {
    commands.add({ id: "x1", cluster: "c1", reportStatus: {} });
    const s = open(c1);
    s.call.write(hello("c1"));
    const cmd = await s.next("command");
    expect(cmd.command).toMatchObject({ id: "x1", cluster: "c1", kind: "reportStatus" });
    s.call.write({ cluster: "c1", commandAck: { commandId: "x1" } });
    s.call.write({ cluster: "c1", commandResult: { commandId: "x1", outcome: "SUCCEEDED" } });
    expect((await s.next("resultAck")).resultAck).toEqual({ commandId: "x1" });
    expect(commands.acks).toEqual(["x1"]);
    expect(commands.results.get("x1")?.outcome).toBe("SUCCEEDED");
  });

  it("accepts a newer agent: negotiates down, ignores extra fields and unknown message kinds", async () => {
    const s = open(c1, V2.lattice.agent.v1.Link);
    s.call.write(
      hello("c1", { protocolVersion: 2, region: "eu-west", features: ["x"], node: { name: "n1", memoryBytes: 1024 } }),
    );
    expect((await s.next("welcome")).welcome?.protocolVersion).toBe(1);
    s.call.write({ cluster: "c1", metrics: { values: { cpu: 0.5 } } });
    s.call.write({ cluster: "c1", heartbeat: { seq: 3, sentUnixMs: 3 } });
    expect((await s.next("heartbeatAck")).heartbeatAck?.seq).toBe(3);
    expect(server.registry.size).toBe(1);
    expect(status.events[0]?.info?.hello.agentVersion).toBe("test");
    expect(log.lines.some((l) => l.msg === "message of a kind this cell does not know: ignored")).toBe(true);
  });

  it("refuses an agent that needs a newer protocol than the cell speaks", async () => {
    const s = open(c1, V2.lattice.agent.v1.Link);
    s.call.write(hello("c1", { protocolVersion: 3, minProtocolVersion: 2 }));
    const end = await s.ended;
    expect(end.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(end.details).toMatch(/upgrade the cell/);
  });
});

describe("silent streams", () => {
  it("are closed once silent for the allowed time", async () => {
    const pki = await testPki();
    const status = new RecordingStatus();
    const server = await startLinkServer({
      host: "127.0.0.1",
      port: 0,
      credentials: new LinkServerCredentials(pki.serving),
      status,
      commands: new MemoryCommands(),
      log: memoryLogger(),
      heartbeatIntervalMs: 100,
      silentAfterMs: 300,
      renew: async () => Promise.reject(new Error("unused")),
    });
    const client = new (linkPackage().Link)(
      `127.0.0.1:${server.port}`,
      linkChannelCredentials(await pki.agent("c1")),
      linkChannelOptions(),
    );
    try {
      const call = client.Connect();
      const ended = new Promise<number>((resolve) => call.on("status", (s: grpc.StatusObject) => resolve(s.code)));
      call.on("error", () => undefined);
      call.write(hello("c1"));
      expect(await ended).toBe(grpc.status.UNAVAILABLE);
      expect(status.events.map((e) => e.type)).toEqual(["connected", "disconnected"]);
      expect(server.openStreams()).toBe(0);
    } finally {
      client.close();
      await server.stop(1000);
    }
  });
});
