// What the link refuses, each on its own: a `lattice cell` process against a real parent API server
// (on loopback: these refusals do not depend on where the child runs), probed with real clients.
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { BootstrapRefused, redeemBootstrapToken, type Redeemed } from "../../../agent/child/bootstrap";
import { CertificateAuthority } from "../../../agent/pki/ca";
import { generateKeyPair, privateKeyPem } from "../../../agent/pki/crypto";
import { CELL_SERVER_NAME } from "../../../agent/protocol/identity";
import { linkPackage } from "../../../agent/protocol/load";
import { FIPS_TLS, linkChannelCredentials, linkChannelOptions, type TlsMaterial } from "../../../agent/protocol/tls";
import { TokenStore } from "../../../agent/tokens/store";
import { installLinkCrds, issueBootstrapToken, readLinkStatus, type BootstrapGrant } from "../../../agent/queue";
import { bootstrapChild } from "./support/child";
import { startCell, type CellReady, type LatticeProc } from "./support/procs";

jest.setTimeout(90_000);

describe("the link refuses (cell process on loopback, real parent API server)", () => {
  let dir: string;
  let parent: ControlPlane;
  let cell: LatticeProc & { ready: CellReady };
  let caPem: string;
  let a: TlsMaterial;

  const redeem = (grant: BootstrapGrant, cluster = grant.cluster, token = grant.token): Promise<Redeemed> =>
    redeemBootstrapToken({ url: cell.ready.bootstrapUrl, caPem, token, cluster });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected a refusal");
      },
      (e: unknown) => {
        if (!(e instanceof BootstrapRefused)) throw e;
        return { status: e.status, code: e.code };
      },
    );
  /** Dial the gRPC link with `m` and send Hello for `cluster`: welcomed, or the status it ended with. */
  const dial = async (
    m: TlsMaterial | grpc.ChannelCredentials,
    cluster: string,
  ): Promise<{ welcomed: boolean; code?: number; details?: string }> => {
    const creds = m instanceof grpc.ChannelCredentials ? m : linkChannelCredentials(m);
    const client = new (linkPackage().Link)(`127.0.0.1:${cell.ready.grpcPort}`, creds, linkChannelOptions());
    try {
      const call = client.Connect();
      const outcome = new Promise<{ welcomed: boolean; code?: number; details?: string }>((resolve) => {
        call.on("status", (s: grpc.StatusObject) => resolve({ welcomed: false, code: s.code, details: s.details }));
        call.on("data", (msg: { body?: string }) => msg.body === "welcome" && resolve({ welcomed: true }));
      });
      call.on("error", () => undefined);
      call.write({ cluster, hello: { protocolVersion: 1, minProtocolVersion: 1, agentVersion: "probe" } });
      const r = await outcome;
      call.cancel();
      return r;
    } finally {
      client.close();
    }
  };
  const boundStreams = () => cell.count((l) => l.msg === "stream bound");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-refusals-"));
    parent = await startControlPlane({ name: "parent", controllerManager: false });
    await installLinkCrds(parent.client);
    cell = await startCell(parent, dir, { host: "127.0.0.1" });
    const grant = await issueBootstrapToken(parent.client, "a", { ttlSeconds: 600 });
    caPem = grant.caBundle;
    const r = await redeem(grant);
    a = { ca: caPem, cert: r.identity.certificate, key: r.keyPem };
  }, 180_000);

  afterAll(async () => {
    await cell?.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a replayed token (409 token-used), logged without the token", async () => {
    const grant = await issueBootstrapToken(parent.client, "replay", { ttlSeconds: 600 });
    await redeem(grant);
    // The replay goes through the real CLI, as a second node would.
    const child = { kubeconfigPath: parent.kubeconfigPath } as ControlPlane;
    const second = await bootstrapChild(child, grant, dir, { name: "replay" });
    expect(second.code).toBe(3);
    expect(second.lines.find((l) => l.msg === "bootstrap refused")).toMatchObject({
      status: 409,
      reason: "token-used",
    });
    const logged = cell.lines().find((l) => l.msg === "bootstrap refused" && l.cluster === "replay");
    expect(logged).toMatchObject({ status: 409, reason: "token-used" });
    expect(cell.raw().includes(grant.token)).toBe(false);
    expect(second.raw.includes(grant.token)).toBe(false);
  });

  it("an expired token (401 token-expired)", async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const old = await new TokenStore(parent.client, "lattice-system").issue("late", { ttlSeconds: 600 }, twoHoursAgo);
    const grant: BootstrapGrant = {
      token: old.token,
      cluster: "late",
      expiresAt: old.expiresAt,
      caBundle: caPem,
      serverName: CELL_SERVER_NAME,
    };
    expect(await refusal(redeem(grant))).toEqual({ status: 401, code: "token-expired" });
  });

  it("a token for another cluster (403 token-wrong-cluster), which stays usable by its own cluster", async () => {
    const grant = await issueBootstrapToken(parent.client, "mine", { ttlSeconds: 600 });
    expect(await refusal(redeem(grant, "theirs"))).toEqual({ status: 403, code: "token-wrong-cluster" });
    const ok = await redeem(grant, "mine");
    expect(ok.identity.cluster).toBe("mine");
  });

  it("an unknown or malformed token (401), without touching any record", async () => {
    const grant = await issueBootstrapToken(parent.client, "u", { ttlSeconds: 600 });
    expect(await refusal(redeem(grant, "u", "lt1." + "A".repeat(43)))).toEqual({ status: 401, code: "token-unknown" });
    expect(await refusal(redeem(grant, "u", "not-a-token"))).toEqual({ status: 401, code: "token-malformed" });
    expect((await redeem(grant)).identity.cluster).toBe("u");
  });

  it("a certificate for cluster A sending messages about cluster B (PERMISSION_DENIED, logged)", async () => {
    const before = boundStreams();
    const st = await dial(a, "b");
    expect(st.welcomed).toBe(false);
    expect(st.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(st.details).toMatch(/bound to cluster "a"/);
    expect(cell.lines().find((l) => l.msg === "message about another cluster rejected")).toMatchObject({
      cluster: "a",
      claimed: "b",
    });
    expect(boundStreams()).toBe(before);
    expect((await readLinkStatus(parent.client, "b")).state).toBe("never-connected");
    // The same certificate speaking for its own cluster is accepted (the refusal was about B).
    expect((await dial(a, "a")).welcomed).toBe(true);
    await cell.waitFor(() => boundStreams() === before + 1, "the stream for a bound");
  });

  it.each([
    [
      "only ChaCha20 suites",
      {
        ...FIPS_TLS,
        ciphers: "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
      },
    ],
    ["only the X25519 group", { ...FIPS_TLS, ecdhCurve: "X25519" }],
    [
      "only X25519 with ChaCha20",
      { ...FIPS_TLS, ciphers: "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305", ecdhCurve: "X25519" },
    ],
  ])("a client offering %s, on both the gRPC and the bootstrap port", async (_what, offer) => {
    // Each port with the application protocol it speaks, so only the offered algorithms can fail.
    for (const [port, alpn] of [
      [cell.ready.grpcPort, "h2"],
      [cell.ready.bootstrapPort, "http/1.1"],
    ] as const) {
      const err = await new Promise<string>((resolve) => {
        const s = tls.connect({
          host: "127.0.0.1",
          port,
          servername: CELL_SERVER_NAME,
          ca: caPem,
          cert: a.cert,
          key: a.key,
          ALPNProtocols: [alpn],
          ...offer,
        });
        s.on("secureConnect", () => {
          s.destroy();
          resolve("handshake completed");
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect({ port, err }).toEqual({ port, err: "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE" });
    }
  });

  it("a client without a certificate", async () => {
    const before = boundStreams();
    const st = await dial(grpc.credentials.createSsl(Buffer.from(caPem), null, null, {}), "a");
    expect(st).toMatchObject({ welcomed: false, code: grpc.status.UNAVAILABLE });
    expect(st.details).toMatch(/certificate required/);
    expect(boundStreams()).toBe(before);
  });

  it("a certificate from another CA", async () => {
    const { ca: stranger } = await CertificateAuthority.generate("stranger-ca");
    const k = await generateKeyPair();
    const forged: TlsMaterial = {
      ca: caPem,
      cert: (await stranger.issueAgent(k.publicKey, "a")).pem,
      key: await privateKeyPem(k.privateKey),
    };
    const before = boundStreams();
    const st = await dial(forged, "a");
    expect(st).toMatchObject({ welcomed: false, code: grpc.status.UNAVAILABLE });
    expect(boundStreams()).toBe(before);
    // Where, seen at the TLS layer: with TLS 1.2 the cell checks the client chain inside the
    // handshake, so a refused certificate never completes it (alert, or the socket reset).
    const alert = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host: "127.0.0.1",
        port: cell.ready.grpcPort,
        servername: CELL_SERVER_NAME,
        ALPNProtocols: ["h2"],
        ...FIPS_TLS,
        maxVersion: "TLSv1.2",
        ...forged,
      });
      s.on("secureConnect", () => resolve("handshake completed"));
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(alert).toMatch(/^(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ECONNRESET)$/);
  });
});
