// The bootstrap-endpoint flood used by the fleet test and by bench:flood: connections that a
// well-behaved node never makes (a body announced too large to read, a request that never ends).
import * as net from "node:net";
import * as tls from "node:tls";
import { CELL_SERVER_NAME } from "../../../../agent/protocol/identity";
import { FIPS_TLS } from "../../../../agent/protocol/tls";

export type FloodOutcome = { kind: "slow" | "oversized"; result: string; answer?: string; closedAfterMs?: number };

/** `n` connections from as many source addresses (127.0.x.y), half slow, half oversized. */
export function flood(port: number, caPem: string, n: number): Promise<FloodOutcome[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      floodOne(port, caPem, `127.0.${1 + (i % 4)}.${1 + Math.floor(i / 4)}`, i % 2 ? "slow" : "oversized"),
    ),
  );
}

/**
 * One flood connection from `localAddress`: TLS, then either headers announcing a 10 MiB body
 * (and no body), or half a request line and silence. What became of it: reset before TLS, an
 * HTTP answer (status and body), cut by the server (how long after its handshake), or still open
 * after 30 s.
 */
export function floodOne(
  port: number,
  caPem: string,
  localAddress: string,
  kind: "slow" | "oversized",
): Promise<FloodOutcome> {
  return new Promise((resolve) => {
    let secureAt = 0;
    let data = "";
    const raw = net.connect({ host: "127.0.0.1", port, localAddress });
    raw.on("error", () => undefined);
    const s = tls.connect({
      socket: raw,
      servername: CELL_SERVER_NAME,
      ca: caPem,
      ALPNProtocols: ["http/1.1"],
      ...FIPS_TLS,
    });
    const giveUp = setTimeout(() => {
      s.destroy();
      raw.destroy();
      resolve({ kind, result: "open" });
    }, 30_000);
    s.on("secureConnect", () => {
      secureAt = Date.now();
      if (kind === "oversized")
        s.write(
          "POST /v1/bootstrap HTTP/1.1\r\nHost: cell\r\nContent-Type: application/json\r\n" +
            `Authorization: Bearer lt1.${"A".repeat(43)}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
        );
      else s.write("POST /v1/bootstrap HTTP/1.1\r\nHost: ce");
    });
    s.on("data", (d: Buffer) => (data += d.toString("utf8")));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(giveUp);
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(data);
      if (m) return resolve({ kind, result: "answered", answer: `${m[1]} ${m[2]}` });
      resolve(secureAt ? { kind, result: "cut", closedAfterMs: Date.now() - secureAt } : { kind, result: "reset" });
    });
  });
}
