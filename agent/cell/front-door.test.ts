// The front door with real sockets and a real TLS server: handshakes wait in a queue for a slot,
// and what is over a limit is reset without any TLS work.
import * as net from "node:net";
import * as tls from "node:tls";
import { testPki, type TestPki } from "../testkit/pki";
import { eventually } from "../testkit/wait";
import { serverTlsOptions, FIPS_TLS } from "../protocol/tls";
import { FrontDoor, type FrontDoorOptions } from "./front-door";
import { CELL_SERVER_NAME } from "../protocol/identity";

describe("FrontDoor", () => {
  let pki: TestPki;
  const cleanup: (() => unknown)[] = [];
  beforeAll(async () => {
    pki = await testPki();
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function door(o: Partial<FrontDoorOptions>) {
    const target = tls.createServer(serverTlsOptions(pki.serving, false), (s) => s.on("error", () => undefined));
    const d = new FrontDoor(target, {
      host: "127.0.0.1",
      port: 0,
      maxConnections: 100,
      maxHandshakes: 10,
      maxQueue: 100,
      maxQueueWaitMs: 10_000,
      ...o,
    });
    const port = await d.listen();
    cleanup.push(() => d.close());
    return { d, port };
  }
  /** A raw TCP connection that sends nothing (holds a handshake slot once admitted). */
  const idle = (port: number, localAddress = "127.0.0.1") =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port, localAddress }, () => resolve(s));
      s.on("error", () => undefined);
      s.once("error", reject);
      cleanup.push(() => s.destroy());
    });
  /** A connection the door is expected to reset: resolves once it is closed (connected or not). */
  const reset = (port: number, localAddress: string) =>
    new Promise<string>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port, localAddress });
      s.on("error", () => undefined);
      s.once("close", () => resolve("reset"));
      cleanup.push(() => s.destroy());
    });
  /** A TLS handshake: "ok", or how it ended. */
  const handshake = (port: number) =>
    new Promise<string>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port, servername: CELL_SERVER_NAME, ca: pki.serving.ca, ...FIPS_TLS });
      cleanup.push(() => s.destroy());
      s.on("secureConnect", () => resolve("ok"));
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });

  it("queues handshakes beyond the limit and serves them when a slot frees", async () => {
    const { d, port } = await door({ maxHandshakes: 1 });
    const holder = await idle(port);
    await eventually(() => d.stats().handshaking === 1, "the slot taken");
    let done = "";
    const waiting = handshake(port).then((r) => (done = r));
    await eventually(() => d.stats().queued === 1, "one queued");
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBe(""); // no TLS answer while it waits
    holder.destroy();
    expect(await waiting).toBe("ok");
    await eventually(() => d.stats().handshaking === 0, "the slot freed");
    expect(d.stats()).toMatchObject({ queued: 0, accepted: 2 });
  });

  it("resets, without TLS, what would overfill the queue or waited too long", async () => {
    const { d, port } = await door({ maxHandshakes: 1, maxQueue: 1, maxQueueWaitMs: 300 });
    await idle(port);
    await eventually(() => d.stats().handshaking === 1, "the slot taken");
    const queued = handshake(port);
    await eventually(() => d.stats().queued === 1, "one queued");
    expect(await handshake(port)).toBe("ECONNRESET");
    expect(await queued).toBe("ECONNRESET"); // waited longer than 300 ms
    expect(d.stats().refused).toMatchObject({ "queue-full": 1, "queue-wait": 1 });
  });

  it("limits connections and their rate per source address, and in total", async () => {
    const { d, port } = await door({
      maxConnections: 4,
      perSource: { maxConnections: 2, ratePerSecond: 0.001, burst: 2 },
    });
    const first = await idle(port, "127.0.0.1");
    await idle(port, "127.0.0.1");
    await eventually(() => d.stats().open === 2, "two open");
    expect(await reset(port, "127.0.0.1")).toBe("reset"); // a third open from 127.0.0.1
    await idle(port, "127.0.0.2");
    await idle(port, "127.0.0.3");
    await eventually(() => d.stats().open === 4, "four open");
    expect(await reset(port, "127.0.0.4")).toBe("reset"); // a fifth in total
    expect(d.stats().refused).toMatchObject({ "source-connections": 1, connections: 1 });
    // 127.0.0.1 has used its burst of two (a refusal costs none): with a connection free, the rate refuses it.
    first.destroy();
    await eventually(() => d.stats().open === 3, "one closed");
    expect(await reset(port, "127.0.0.1")).toBe("reset");
    expect(d.stats().refused["source-rate"]).toBe(1);
  });
});
