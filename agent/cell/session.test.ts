// The cell's stream handling over real gRPC with mutual TLS on a loopback port — the cell's own
// HTTP/2 server, grpc-js clients: identity binding, refusals, replacement, cleanup, connections
// without Hello, and compatibility with a newer (v2) agent.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import { memoryLogger } from "../log";
import { LOADER_OPTIONS, linkPackage, type CellMessage__Output } from "../protocol/load";
import { type TlsMaterial } from "../protocol/tls";
import { linkChannelCredentials, linkChannelOptions } from "../protocol/channel";
import { testPki, type TestPki } from "../testkit/pki";
import { MemoryCommands, RecordingStatus } from "../testkit/ports";
import { eventually } from "../testkit/wait";
import { startLinkServer, type LinkServer, type LinkServerOptions } from "./server";

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
    server = await start();
  });
  const start = (extra: Partial<LinkServerOptions> = {}) =>
    startLinkServer({
      host: "127.0.0.1",
      port: 0,
      tls: pki.serving,
      status,
      commands,
      log,
      cell: "cell-test",
      heartbeatIntervalMs: 0,
      renew: async () => Promise.reject(new Error("no renewals in this test")),
      ...extra,
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
    // No application heartbeats asked for: liveness is HTTP/2 PING.
    expect(w.welcome).toMatchObject({ protocolVersion: 1, heartbeatIntervalMs: 0, cell: "cell-test" });
    s.call.write({ cluster: "c1", heartbeat: { seq: 7, sentUnixMs: 123 } });
    expect((await s.next("heartbeatAck")).heartbeatAck).toEqual({ seq: 7, sentUnixMs: 123, heartbeatIntervalMs: 0 });
    expect(status.events.filter((e) => e.type === "connected").map((e) => e.cluster)).toEqual(["c1"]);
    expect(server.registry.get("c1")?.id).toBe(w.welcome!.sessionId);
  });

  it("refuses a certificate the admission check rejects (revoked, unknown cluster) before answering", async () => {
    await server.stop(1000);
    const seen: string[] = [];
    server = await start({
      admit: (cluster, cert) => {
        seen.push(`${cluster}:${cert.notBefore ? "dated" : "undated"}`);
        return 'the identity of cluster "c1" was revoked';
      },
    });
    const s = open(c1);
    s.call.write(hello("c1"));
    const end = await s.ended;
    expect(end).toEqual({ code: grpc.status.PERMISSION_DENIED, details: 'the identity of cluster "c1" was revoked' });
    expect(seen).toEqual(["c1:dated"]);
    expect(status.events).toEqual([]);
    expect(server.registry.size).toBe(0);
  });

  it("closes a connection that never sends Hello", async () => {
    await server.stop(1000);
    server = await start({ helloTimeoutMs: 300 });
    const quiet = open(c1); // the stream opens, but no message ever comes
    const end = await quiet.ended;
    expect(end.code).toBe(grpc.status.UNAVAILABLE);
    await eventually(() => log.lines.some((l) => l.msg === "closing a connection without Hello"), "the log line");
    await eventually(() => server.stats().sessions === 0, "the connection closed");
    expect(server.openStreams()).toBe(0);
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

describe("TLS session resumption (the cell's server, grpc-js agents)", () => {
  it("resumes on redial — on the same server, or another sharing its ticket keys — and admits the session's certificate", async () => {
    const pki = await testPki();
    const m = await pki.agent("c1");
    const keys = (await import("node:crypto")).randomBytes(48);
    const seen: string[] = [];
    const start = (ticketKeys: Buffer) =>
      startLinkServer({
        host: "127.0.0.1",
        port: 0,
        tls: pki.serving,
        status: new RecordingStatus(),
        commands: new MemoryCommands(),
        log: memoryLogger(),
        cell: "cell-test",
        heartbeatIntervalMs: 0,
        renew: async () => Promise.reject(new Error("unused")),
        admit: (cluster, cert) => void seen.push(`${cluster}:${cert.notBefore?.toISOString() ?? "-"}`),
        ticketKeys,
        ticketLifetimeS: 3600,
      });
    const creds = linkChannelCredentials(m);
    const welcomed = async (port: number) => {
      const client = new (linkPackage().Link)(`127.0.0.1:${port}`, creds, linkChannelOptions());
      try {
        const call = client.Connect();
        call.on("error", () => undefined);
        const got = new Promise((resolve) =>
          call.on("data", (d: CellMessage__Output) => d.body === "welcome" && resolve(d)),
        );
        call.write(hello("c1"));
        await got;
        call.cancel();
      } finally {
        client.close();
      }
    };
    const a = await start(keys);
    const b = await start(keys);
    const other = await start(Buffer.alloc(48, 7));
    try {
      await welcomed(a.port);
      expect(creds.resumed).toBe(0); // the first handshake is a full one
      await welcomed(a.port);
      await welcomed(b.port); // another replica (or a restarted cell) with the same keys
      expect({ handshakes: creds.handshakes, resumed: creds.resumed }).toEqual({ handshakes: 3, resumed: 2 });
      await welcomed(other.port); // other keys: a full handshake, still admitted
      expect({ handshakes: creds.handshakes, resumed: creds.resumed }).toEqual({ handshakes: 4, resumed: 2 });
      // Every stream, resumed or not, was admitted on the certificate it came with (its validity read).
      expect(seen).toHaveLength(4);
      expect(new Set(seen).size).toBe(1);
      expect(seen[0]).toMatch(/^c1:\d{4}-/);
    } finally {
      await Promise.all([a.stop(500), b.stop(500), other.stop(500)]);
    }
  });
});
