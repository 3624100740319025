import { X509Certificate as NodeX509, webcrypto } from "node:crypto";
import { CertificateAuthority, CaError } from "./ca";
import { generateKeyPair, x509 } from "./crypto";
import { checkAgentCsr, createAgentCsr, CsrError } from "./csr";

describe("CertificateAuthority", () => {
  let ca: CertificateAuthority;
  let caKey: string;
  beforeAll(async () => {
    ({ ca, keyPem: caKey } = await CertificateAuthority.generate("test-ca"));
  });

  it("issues an agent certificate that names the cluster and chains to the CA", async () => {
    const keys = await generateKeyPair();
    const issued = await ca.issueAgent(keys.publicKey, "c1");
    const leaf = new NodeX509(issued.pem);
    const root = new NodeX509(ca.certPem);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subject).toContain("CN=c1");
    expect(leaf.subject).toContain("O=lattice:agents");
    expect(leaf.subjectAltName).toBe("URI:spiffe://lattice.dev/cluster/c1");
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]); // clientAuth only
    expect(leaf.ca).toBe(false);
  });

  it("issues a revoked cluster's new certificate valid from its revocation time on, to the second", async () => {
    const keys = await generateKeyPair();
    const revokedBefore = new Date(Date.now() - 60_000 + 250); // within the usual 5 min backdating
    const leaf = new NodeX509((await ca.issueAgent(keys.publicKey, "c1", undefined, revokedBefore)).pem);
    const notBefore = Date.parse(leaf.validFrom);
    expect(notBefore).toBeGreaterThanOrEqual(revokedBefore.getTime()); // rounded up, not down
    expect(notBefore - revokedBefore.getTime()).toBeLessThan(1000);
    const plain = new NodeX509((await ca.issueAgent(keys.publicKey, "c1")).pem);
    expect(Date.parse(plain.validFrom)).toBeLessThan(revokedBefore.getTime()); // backdated 5 min without one
  });

  it("issues serving certificates with serverAuth only", async () => {
    const keys = await generateKeyPair();
    const issued = await ca.issueServing(keys.publicKey, { dns: ["lattice-cell"], ip: ["10.0.0.1"] });
    const leaf = new NodeX509(issued.pem);
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(leaf.subjectAltName).toBe("DNS:lattice-cell, IP Address:10.0.0.1");
  });

  it("refuses a cluster name that is not a DNS label", async () => {
    const keys = await generateKeyPair();
    await expect(ca.issueAgent(keys.publicKey, "C1/../x")).rejects.toThrow(/DNS-1123/);
  });

  it("round-trips through PEM and refuses a key that is not the CA's", async () => {
    const again = await CertificateAuthority.fromPem(ca.certPem, caKey);
    expect(again.certPem).toBe(ca.certPem);
    const other = await CertificateAuthority.generate("other");
    await expect(CertificateAuthority.fromPem(ca.certPem, other.keyPem)).rejects.toThrow(CaError);
  });

  it("refuses a leaf certificate as a CA", async () => {
    const keys = await generateKeyPair();
    const issued = await ca.issueAgent(keys.publicKey, "c1");
    const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
    await expect(CertificateAuthority.fromPem(issued.pem, keyPem)).rejects.toThrow(/not a CA/);
  });
});

describe("checkAgentCsr", () => {
  it("accepts the agent's own CSR and certifies its key", async () => {
    const keys = await generateKeyPair();
    const csr = await checkAgentCsr(await createAgentCsr("c1", keys), "c1");
    const spki = Buffer.from(await webcrypto.subtle.exportKey("spki", keys.publicKey));
    expect(Buffer.from(csr.publicKey.rawData).equals(spki)).toBe(true);
  });

  it("accepts a P-384 key", async () => {
    const keys = await generateKeyPair("P-384");
    await expect(checkAgentCsr(await createAgentCsr("c1", keys, "P-384"), "c1")).resolves.toBeDefined();
  });

  it("refuses a CSR naming another cluster", async () => {
    const keys = await generateKeyPair();
    await expect(checkAgentCsr(await createAgentCsr("c2", keys), "c1")).rejects.toThrow(
      /names "c2", but it is for cluster "c1"/,
    );
  });

  it("refuses a CSR whose signature does not verify", async () => {
    const keys = await generateKeyPair();
    const pem = await createAgentCsr("c1", keys);
    const der = Buffer.from(x509.PemConverter.decodeFirst(pem));
    der.writeUInt8(der.readUInt8(der.length - 5) ^ 0xff, der.length - 5); // flip a byte inside the signature
    const tampered = x509.PemConverter.encode(der, "CERTIFICATE REQUEST");
    await expect(checkAgentCsr(tampered, "c1")).rejects.toThrow(CsrError);
  });

  it("refuses keys outside ECDSA P-256/P-384 and RSA >= 2048", async () => {
    const p521 = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-521" }, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const csr521 = await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=c1",
      keys: p521,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-512" } as EcdsaParams,
    });
    await expect(checkAgentCsr(csr521.toString("pem"), "c1")).rejects.toThrow(/not allowed/);
    const rsa1024 = (await webcrypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as webcrypto.CryptoKeyPair;
    const csrRsa = await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=c1",
      keys: rsa1024,
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5" },
    });
    await expect(checkAgentCsr(csrRsa.toString("pem"), "c1")).rejects.toThrow(/not allowed/);
  });

  it("refuses garbage and oversized input", async () => {
    await expect(checkAgentCsr("not a csr", "c1")).rejects.toThrow(/does not parse/);
    await expect(checkAgentCsr("x".repeat(20_000), "c1")).rejects.toThrow(/larger than/);
  });
});

type EcdsaParams = { name: "ECDSA"; hash: string };
