// Certificates for a local control plane (the installer's bootstrap and the test bed's): one CA per control plane, a serving certificate for
// 127.0.0.1, an admin client certificate in system:masters and the service-account signing key.
// Built with @peculiar/x509 on WebCrypto (ECDSA P-256 / SHA-256), never hand-built ASN.1.
import "reflect-metadata"; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface PemPair {
  cert: string;
  key: string;
}

/** A CA that can sign leaf certificates. */
export interface Ca extends PemPair {
  sign(leaf: LeafRequest): Promise<PemPair>;
}

/** What a leaf certificate says: its subject, its names and whether it serves or authenticates. */
export interface LeafRequest {
  commonName: string;
  organization?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: "server" | "client";
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1");
}

/** A new self-signed CA, valid for a year. */
export async function createCa(commonName: string): Promise<Ca> {
  const keys = await keyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return signer(caCert, keys, await pkcs8Pem(keys.privateKey));
}

/** A CA from its PEM certificate and PKCS#8 key (as createCa wrote them), e.g. a re-adopted bootstrap's. */
export async function loadCa(certPem: string, keyPem: string): Promise<Ca> {
  const caCert = new x509.X509Certificate(certPem);
  const privateKey = await webcrypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(keyPem),
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign"],
  );
  const publicKey = await caCert.publicKey.export({ name: "ECDSA", namedCurve: "P-256" }, ["verify"]);
  return signer(caCert, { privateKey, publicKey } as CryptoKeyPair, keyPem);
}

function signer(caCert: x509.X509Certificate, keys: CryptoKeyPair, keyPem: string): Ca {
  return {
    cert: caCert.toString("pem"),
    key: keyPem,
    async sign(leaf) {
      const leafKeys = await keyPair();
      const subject = [`CN=${leaf.commonName}`, ...(leaf.organization ? [`O=${leaf.organization}`] : [])].join(", ");
      const names = [
        ...(leaf.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(leaf.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
      ];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject,
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - DAY),
        notAfter: new Date(Date.now() + 365 * DAY),
        signingAlgorithm: ALG,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([
            leaf.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
          ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { cert: cert.toString("pem"), key: await pkcs8Pem(leafKeys.privateKey) };
    },
  };
}

/** An ECDSA key pair as PEM, for the API server's service-account token signing. */
export async function serviceAccountKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const keys = await keyPair();
  const spki = await webcrypto.subtle.exportKey("spki", keys.publicKey);
  return { publicKey: x509.PemConverter.encode(spki, "PUBLIC KEY"), privateKey: await pkcs8Pem(keys.privateKey) };
}
