// What the link refuses, each on its own: a `lattice cell` process against a real parent API server
// (on loopback: these refusals do not depend on where the child runs), probed with real clients.
// The bootstrap endpoint gives every refusal the same answer (403 "refused": nothing to probe
// tokens with) and logs the cause; these tests read the cause from the cell's log.
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { BootstrapRefused, redeemBootstrapToken, type Redeemed } from "../../../agent/child/bootstrap";
import { CertificateAuthority } from "../../../agent/pki/ca";
import { generateKeyPair, privateKeyPem } from "../../../agent/pki/crypto";
import { CELL_SERVER_NAME } from "../../../agent/protocol/identity";
import { linkPackage } from "../../../agent/protocol/load";
import { FIPS_TLS, type TlsMaterial } from "../../../agent/protocol/tls";
import { linkChannelCredentials, linkChannelOptions } from "../../../agent/protocol/channel";
import { TokenStore } from "../../../agent/tokens/store";
import { installLinkCrds, issueBootstrapToken, readLinkStatus, type BootstrapGrant } from "../../../agent/queue";
import { bootstrapChild } from "./support/child";
import { REFUSED } from "../../../agent/cell/bootstrap";
import { createAgentCsr } from "../../../agent/pki/csr";
import { eventually } from "../../../agent/testkit/wait";
import { eventsText } from "../../harness/events";
import type { KubeObject } from "../../../core/k8s/object";
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
  const refusalsOf = (cluster: string) =>
    cell.lines().filter((l) => l.msg === "bootstrap refused" && l.cluster === cluster);
  /** The answer to `attempt`, and the cause the cell logged for it (its next refusal of `cluster`). */
  const refusedBecause = async (attempt: Promise<unknown>, cluster: string) => {
    const before = refusalsOf(cluster).length;
    const answer = await refusal(attempt);
    await cell.waitFor(() => refusalsOf(cluster).length > before, `a logged refusal for ${cluster}`);
    return { ...answer, cause: refusalsOf(cluster)[before]!.reason };
  };
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

  it("a replayed token (refused; logged as token-used, without the token)", async () => {
    const grant = await issueBootstrapToken(parent.client, "replay", { ttlSeconds: 600 });
    await redeem(grant);
    // The replay goes through the real CLI, as a second node would.
    const child = { kubeconfigPath: parent.kubeconfigPath } as ControlPlane;
    const second = await bootstrapChild(child, grant, dir, { name: "replay" });
    expect(second.code).toBe(3);
    expect(second.lines.find((l) => l.msg === "bootstrap refused")).toMatchObject({ status: 403, reason: "refused" });
    await cell.waitFor(() => refusalsOf("replay").length > 0, "the refusal logged");
    expect(refusalsOf("replay")[0]!.reason).toBe("token-used");
    expect(cell.raw().includes(grant.token)).toBe(false);
    expect(second.raw.includes(grant.token)).toBe(false);
    expect((await eventsText(parent.client)).includes(grant.token)).toBe(false);
  });

  it("every refusal gets the same answer, whatever its cause", async () => {
    const grant = await issueBootstrapToken(parent.client, "same", { ttlSeconds: 600 });
    const url = new URL("/v1/bootstrap", cell.ready.bootstrapUrl);
    const csr = await createAgentCsr("same", await generateKeyPair());
    const post = (o: { path?: string; method?: string; type?: string; auth?: string; body?: string }) =>
      new Promise<string>((resolve, reject) => {
        const body = o.body ?? JSON.stringify({ cluster: "same", csr });
        const req = https.request(
          {
            ...FIPS_TLS,
            // Its own source address: these 11 connections would spend most of 127.0.0.1's budget
            // at the bootstrap port (burst 20), and the other tests' redeems dial from there.
            localAddress: "127.0.0.10",
            host: url.hostname,
            port: url.port,
            path: o.path ?? url.pathname,
            method: o.method ?? "POST",
            ca: caPem,
            servername: CELL_SERVER_NAME,
            headers: {
              "content-type": o.type ?? "application/json",
              authorization: o.auth ?? `Bearer ${grant.token}`,
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = "";
            res.on("data", (d: Buffer) => (text += d.toString()));
            res.on("end", () => resolve(`${res.statusCode} ${text}`));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const answers = {
      "unknown token": await post({ auth: `Bearer lt1.${"B".repeat(43)}` }),
      "malformed token": await post({ auth: "Bearer nope" }),
      "no token": await post({ auth: "" }),
      "another cluster's name": await post({ body: JSON.stringify({ cluster: "other", csr }) }),
      "a CSR for another cluster": await post({
        body: JSON.stringify({ cluster: "same", csr: await createAgentCsr("zzz", await generateKeyPair()) }),
      }),
      "not JSON": await post({ body: "{" }),
      "wrong media type": await post({ type: "text/plain" }),
      "wrong path": await post({ path: "/v1/other" }),
      "wrong method": await post({ method: "PUT" }),
    };
    const distinct = new Set(Object.values(answers));
    expect(distinct).toEqual(new Set([`403 ${JSON.stringify(REFUSED)}`]));
    // None of them spent the token: it still redeems, once.
    expect((await redeem(grant)).identity.cluster).toBe("same");
    expect(await post({})).toBe(`403 ${JSON.stringify(REFUSED)}`);
  });

  it("an expired token (refused; logged as token-expired)", async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const old = await new TokenStore(parent.client, "lattice-system").issue("late", { ttlSeconds: 600 }, twoHoursAgo);
    const grant: BootstrapGrant = {
      token: old.token,
      cluster: "late",
      expiresAt: old.expiresAt,
      caBundle: caPem,
      serverName: CELL_SERVER_NAME,
    };
    expect(await refusedBecause(redeem(grant), "late")).toEqual({
      status: 403,
      code: "refused",
      cause: "token-expired",
    });
  });

  it("a record whose CAPI namespace is the agent's own (from before issue refused it): refused, the token not spent", async () => {
    const grant = await issueBootstrapToken(parent.client, "own-ns", { ttlSeconds: 600, capiNamespace: "capi-own" });
    const [record] = await parent.client.list("v1", "Secret", {
      namespace: "lattice-system",
      labelSelector: "agent.lattice.dev/cluster=own-ns",
    });
    await parent.client.request(
      "PATCH",
      `/api/v1/namespaces/lattice-system/secrets/${record!.metadata.name}`,
      { stringData: { "capi-namespace": "lattice-system" } },
      "application/merge-patch+json",
    );
    expect(await refusedBecause(redeem(grant), "own-ns")).toEqual({
      status: 403,
      code: "refused",
      cause: "capi-namespace-is-agent-namespace",
    });
    const after = await parent.client.get<{ data?: Record<string, string> } & KubeObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "lattice-system",
      name: record!.metadata.name,
    });
    expect(after.data?.["used-at"]).toBeUndefined();
  });

  it("a token for another cluster (refused; logged as token-wrong-cluster), which stays usable by its own cluster", async () => {
    const grant = await issueBootstrapToken(parent.client, "mine", { ttlSeconds: 600 });
    expect(await refusedBecause(redeem(grant, "theirs"), "theirs")).toEqual({
      status: 403,
      code: "refused",
      cause: "token-wrong-cluster",
    });
    const ok = await redeem(grant, "mine");
    expect(ok.identity.cluster).toBe("mine");
  });

  it("an unknown or malformed token (refused), without touching any record", async () => {
    const grant = await issueBootstrapToken(parent.client, "u", { ttlSeconds: 600 });
    expect(await refusedBecause(redeem(grant, "u", "lt1." + "A".repeat(43)), "u")).toEqual({
      status: 403,
      code: "refused",
      cause: "token-unknown",
    });
    expect(await refusedBecause(redeem(grant, "u", "not-a-token"), "u")).toEqual({
      status: 403,
      code: "refused",
      cause: "token-malformed",
    });
    expect((await redeem(grant)).identity.cluster).toBe("u");
  });

  it("a cluster without a ClusterLink (deleted: a deprovisioned cluster) cannot hold a stream", async () => {
    const grant = await issueBootstrapToken(parent.client, "gone", { ttlSeconds: 600 });
    const r = await redeem(grant);
    const m: TlsMaterial = { ca: caPem, cert: r.identity.certificate, key: r.keyPem };
    await parent.client.delete({
      apiVersion: "agent.lattice.dev/v1alpha1",
      kind: "ClusterLink",
      namespace: "lattice-system",
      name: "gone",
    });
    const st = await eventually(async () => {
      const d = await dial(m, "gone");
      return d.welcomed ? undefined : d;
    }, "the stream refused once the cell saw the deletion");
    expect(st).toMatchObject({ welcomed: false, code: grpc.status.PERMISSION_DENIED });
    expect(st.details).toMatch(/no ClusterLink/);
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

  // Each case dials from its own loopback address: the bootstrap port limits new connections per
  // source address (burst 20, then 5/s), and the tests above spend 127.0.0.1's budget. A reset for
  // the rate would look like a refusal of the algorithms; from a fresh address only TLS can refuse.
  it.each([
    [
      "only ChaCha20 suites",
      "127.0.0.11",
      {
        ...FIPS_TLS,
        ciphers: "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
      },
    ],
    ["only the X25519 group", "127.0.0.12", { ...FIPS_TLS, ecdhCurve: "X25519" }],
    [
      "only X25519 with ChaCha20",
      "127.0.0.13",
      { ...FIPS_TLS, ciphers: "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305", ecdhCurve: "X25519" },
    ],
  ])("a client offering %s, on both the gRPC and the bootstrap port", async (_what, from, offer) => {
    /** How a handshake offering `o` on `port` ends: "handshake completed", or the client's error code. */
    const handshake = (port: number, alpn: string, o: tls.ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({
          socket: net.connect({ host: "127.0.0.1", port, localAddress: from }),
          servername: CELL_SERVER_NAME,
          ca: caPem,
          cert: a.cert,
          key: a.key,
          ALPNProtocols: [alpn],
          ...o,
        });
        s.on("secureConnect", () => {
          s.destroy();
          resolve("handshake completed");
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
    // Each port with the application protocol it speaks. The control (the FIPS offer, same client
    // certificate, same address) completes, so the refusal is about the offered algorithms alone.
    for (const [port, alpn] of [
      [cell.ready.grpcPort, "h2"],
      [cell.ready.bootstrapPort, "http/1.1"],
    ] as const) {
      const control = await handshake(port, alpn, FIPS_TLS);
      const offered = await handshake(port, alpn, offer);
      expect({ port, control, offered }).toEqual({
        port,
        control: "handshake completed",
        offered: "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE",
      });
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
