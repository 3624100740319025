// Real TLS handshakes on loopback against the link's server options: what is accepted, what is
// refused, and which identity the server reads from the client certificate.
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { CertificateAuthority } from "../pki/ca";
import { generateKeyPair, privateKeyPem } from "../pki/crypto";
import { CELL_SERVER_NAME, checkCellCertificate, clusterOfPeer } from "./identity";
import { FIPS_TLS, serverTlsOptions } from "./tls";

interface Pem {
  cert: string;
  key: string;
}

async function leaf(ca: CertificateAuthority, kind: "agent" | "serving", name: string): Promise<Pem> {
  const keys = await generateKeyPair();
  const issued =
    kind === "agent"
      ? await ca.issueAgent(keys.publicKey, name)
      : await ca.issueServing(keys.publicKey, { dns: [name], ip: ["127.0.0.1"] });
  return { cert: issued.pem, key: await privateKeyPem(keys.privateKey) };
}

describe("link TLS", () => {
  let ca: CertificateAuthority;
  let agent: Pem;
  let foreign: Pem;
  let server: tls.Server;
  let port: number;
  const identities: string[] = [];

  beforeAll(async () => {
    ca = (await CertificateAuthority.generate("cell-ca")).ca;
    const other = (await CertificateAuthority.generate("other-ca")).ca;
    const serving = await leaf(ca, "serving", CELL_SERVER_NAME);
    agent = await leaf(ca, "agent", "c1");
    foreign = await leaf(other, "agent", "c1");
    server = tls.createServer(serverTlsOptions({ ca: ca.certPem, ...serving }, true), (s) => {
      identities.push(clusterOfPeer(s.getPeerCertificate()));
      s.end("ok");
    });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    identities.length = 0;
  });

  /** Connect, read the server's "ok"; resolves with the negotiated parameters or rejects. */
  function connect(opts: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string; group?: string }> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect({
        host: "127.0.0.1",
        port,
        servername: CELL_SERVER_NAME,
        ca: ca.certPem,
        checkServerIdentity: (_h, cert) => checkCellCertificate(cert),
        ...opts,
      });
      let data = "";
      sock.on("data", (d: Buffer) => (data += d.toString()));
      sock.on("end", () => {
        if (data === "ok") {
          const eph = sock.getEphemeralKeyInfo() as { name?: string } | null;
          resolve({ protocol: sock.getProtocol(), cipher: sock.getCipher().standardName, group: eph?.name });
        } else reject(new Error("closed without data"));
      });
      sock.on("error", reject);
    });
  }

  it("accepts a FIPS client with a certificate from the cell CA and reads its cluster", async () => {
    const r = await connect({ ...FIPS_TLS, ...agent });
    expect(r.protocol).toBe("TLSv1.3");
    expect(r.cipher).toMatch(/^TLS_AES_(128|256)_GCM_SHA(256|384)$/);
    expect(["prime256v1", "secp384r1"]).toContain(r.group);
    expect(identities).toEqual(["c1"]);
  });

  it("accepts TLS 1.2 with ECDHE-ECDSA AES-GCM", async () => {
    const r = await connect({ ...FIPS_TLS, maxVersion: "TLSv1.2", ...agent });
    expect(r.protocol).toBe("TLSv1.2");
    expect(r.cipher).toMatch(/^TLS_ECDHE_ECDSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
  });

  it("refuses a client offering only ChaCha20 suites", async () => {
    await expect(
      connect({ ...agent, ciphers: "TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305" }),
    ).rejects.toMatchObject({ code: "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE" });
    expect(identities).toEqual([]);
  });

  it("refuses a client offering only the X25519 group", async () => {
    await expect(connect({ ...FIPS_TLS, ecdhCurve: "X25519", ...agent })).rejects.toMatchObject({
      code: "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE",
    });
    expect(identities).toEqual([]);
  });

  it("refuses TLS 1.1", async () => {
    await expect(
      connect({ ...agent, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }),
    ).rejects.toMatchObject({ code: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" });
    expect(identities).toEqual([]);
  });

  it("refuses a client without a certificate", async () => {
    await expect(connect({ ...FIPS_TLS })).rejects.toMatchObject({ code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" });
    expect(identities).toEqual([]);
  });

  it("refuses a certificate from another CA", async () => {
    // TLS 1.3: the client's handshake completes before the server checks its certificate; the
    // server then answers with an unknown_ca alert and closes without ever serving the stream.
    await expect(connect({ ...FIPS_TLS, ...foreign })).rejects.toThrow(/closed without data|UNKNOWN_CA|ECONNRESET/);
    expect(identities).toEqual([]);
  });

  it("client side refuses an agent certificate posing as the cell", async () => {
    const impostor = tls.createServer(serverTlsOptions({ ca: ca.certPem, ...agent }, false), (s) => s.end("ok"));
    impostor.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => impostor.listen(0, "127.0.0.1", r));
    try {
      const p = (impostor.address() as AddressInfo).port;
      await expect(connect({ ...FIPS_TLS, ...agent, port: p })).rejects.toMatchObject({ code: "INVALID_PURPOSE" });
    } finally {
      await new Promise((r) => impostor.close(r));
    }
  });
});
