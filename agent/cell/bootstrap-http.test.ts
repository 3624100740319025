// The bootstrap endpoint's limits with real sockets and TLS (no API server: none of these requests
// gets as far as a token lookup): the one refusal, a body refused unread, slow requests cut.
import * as tls from "node:tls";
import { KubeClient } from "../../kube/client";
import { memoryLogger } from "../log";
import { CELL_SERVER_NAME } from "../protocol/identity";
import { FIPS_TLS } from "../protocol/tls";
import { testPki, type TestPki } from "../testkit/pki";
import { TokenStore } from "../tokens/store";
import { REFUSED, serveBootstrap, type ServedBootstrap } from "./bootstrap-http";

describe("bootstrap endpoint limits", () => {
  let pki: TestPki;
  let served: ServedBootstrap;
  const kube = new KubeClient({ server: "https://127.0.0.1:1" }); // never reached by these requests

  beforeAll(async () => {
    pki = await testPki();
    served = await serveBootstrap({
      host: "127.0.0.1",
      port: 0,
      tls: pki.serving,
      kube,
      namespace: "lattice-system",
      tokens: new TokenStore(kube, "lattice-system"),
      ca: pki.ca,
      parentAddress: "127.0.0.1:1",
      serverName: CELL_SERVER_NAME,
      agentImage: "img",
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 1500, handshakeTimeoutMs: 400 },
      log: memoryLogger(),
    });
  });
  afterAll(async () => {
    await served.stop();
    kube.close();
  });

  /** Send `text`, then wait: the answer (status line's code and body), or "cut" after how long. */
  const exchange = (text: string) =>
    new Promise<{ answer?: string; cutAfterMs?: number }>((resolve) => {
      let data = "";
      let at = 0;
      const s = tls.connect(
        { host: "127.0.0.1", port: served.port, servername: CELL_SERVER_NAME, ca: pki.ca.certPem, ...FIPS_TLS },
        () => {
          at = Date.now();
          s.write(text);
        },
      );
      s.on("data", (d: Buffer) => (data += d.toString()));
      s.on("error", () => undefined);
      s.on("close", () => {
        const m = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(data);
        resolve(m ? { answer: `${m[1]} ${m[2]}` } : { cutAfterMs: Date.now() - at });
      });
    });
  const refused = `403 ${JSON.stringify(REFUSED)}`;
  const post = (headers: string) => `POST /v1/bootstrap HTTP/1.1\r\nHost: cell\r\nConnection: close\r\n${headers}\r\n`;

  it("refuses a body larger than the limit from its Content-Length, before a byte of it is sent", async () => {
    const r = await exchange(
      post(`Content-Type: application/json\r\nAuthorization: Bearer x\r\nContent-Length: ${1 << 30}\r\n`),
    );
    expect(r.answer).toBe(refused);
  });

  it("gives the same answer to a wrong path, a wrong method, a wrong media type and a missing token", async () => {
    const answers = await Promise.all([
      exchange("GET /v1/other HTTP/1.1\r\nHost: cell\r\nConnection: close\r\n\r\n"),
      exchange("PUT /v1/bootstrap HTTP/1.1\r\nHost: cell\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
      exchange(post("Content-Type: text/plain\r\nAuthorization: Bearer x\r\nContent-Length: 2\r\n") + "{}"),
      exchange(post("Content-Type: application/json\r\nContent-Length: 2\r\n") + "{}"),
      exchange(post("Content-Type: application/json\r\nAuthorization: Bearer x\r\nContent-Length: 1\r\n") + "{"),
    ]);
    expect(answers.map((a) => a.answer)).toEqual([refused, refused, refused, refused, refused]);
  });

  it("cuts a request whose headers do not arrive in time, and one whose body does not", async () => {
    const slowHeaders = await exchange("POST /v1/bootstrap HTTP/1.1\r\nHost: ce");
    expect(slowHeaders.answer).toBeUndefined();
    expect(slowHeaders.cutAfterMs).toBeGreaterThanOrEqual(250);
    expect(slowHeaders.cutAfterMs).toBeLessThan(1000); // well before the idle timeout (1.5 s here)
    const slowBody = await exchange(
      post("Content-Type: application/json\r\nAuthorization: Bearer x\r\nContent-Length: 100\r\n") + "{",
    );
    expect(slowBody.answer).toBeUndefined();
    expect(slowBody.cutAfterMs).toBeGreaterThanOrEqual(1400);
    expect(slowBody.cutAfterMs).toBeLessThan(3000);
  });

  it("answers its health check", async () => {
    expect((await exchange("GET /healthz HTTP/1.1\r\nHost: cell\r\nConnection: close\r\n\r\n")).answer).toBe(
      '200 {"ok":true}',
    );
  });
});
