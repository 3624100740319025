// The cell's certificate authority: one ECDSA P-384 key, kept in a Secret of the parent cluster
// (see store.ts). It issues two kinds of leaf certificates, never anything else:
//  - agent client certificates: CN=<cluster>, O=lattice:agents, URI SAN spiffe://lattice.dev/cluster/<cluster>,
//    clientAuth only — the identity the cell binds every stream to;
//  - cell serving certificates: DNS SAN lattice-cell (+ advertised names), serverAuth only.
import { timingSafeEqual } from "node:crypto";
import { AGENT_ORGANIZATION, assertClusterName, clusterUri } from "../protocol/identity";
import {
  ecdsaParams,
  generateKeyPair,
  importPrivateKeyPem,
  privateKeyPem,
  randomSerial,
  spkiOfPrivateKeyPem,
  x509,
  type CryptoKey,
  type Curve,
} from "./crypto";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** How long an agent certificate is valid; the agent renews over the link after two thirds. */
export const AGENT_CERT_VALIDITY_MS = 180 * DAY;
/** How long a cell serving certificate is valid; the cell re-issues its own after two thirds. */
export const SERVING_CERT_VALIDITY_MS = 30 * DAY;
/** Clock skew tolerated between the cell and the peers checking its certificates. */
const BACKDATE_MS = 5 * MINUTE;

/** A signed certificate. */
export interface IssuedCertificate {
  pem: string;
  notAfter: Date;
  serial: string;
}

/** Names a serving certificate carries. */
export interface ServingNames {
  dns: readonly string[];
  ip: readonly string[];
}

/** A CA certificate and key that do not belong together or do not form a usable CA. */
export class CaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaError";
  }
}

/** A CA that can issue the link's leaf certificates. */
export class CertificateAuthority {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    private readonly curve: Curve,
  ) {}

  /** The CA certificate, PEM: what peers trust. */
  get certPem(): string {
    return this.certificate.toString("pem");
  }

  /** A new self-signed CA; returns it with its private key PEM (to be stored, never logged). */
  static async generate(
    commonName: string,
    validityMs = 10 * 365 * DAY,
  ): Promise<{ ca: CertificateAuthority; keyPem: string }> {
    const keys = await generateKeyPair("P-384");
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${commonName}, O=lattice`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + validityMs),
      signingAlgorithm: ecdsaParams("P-384"),
      keys,
      extensions: [
        // pathLen 0: this CA signs leaves only, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return {
      ca: new CertificateAuthority(cert, keys.privateKey, "P-384"),
      keyPem: await privateKeyPem(keys.privateKey),
    };
  }

  /** Load a stored CA; CaError when the pair is not a valid, current CA with its own key. */
  static async fromPem(certPem: string, keyPem: string, now = Date.now()): Promise<CertificateAuthority> {
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(certPem);
    } catch (e) {
      throw new CaError(`CA certificate does not parse: ${(e as Error).message}`);
    }
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) throw new CaError(`certificate ${cert.subject} is not a CA`);
    if (cert.notAfter.getTime() <= now)
      throw new CaError(`CA certificate ${cert.subject} expired at ${cert.notAfter.toISOString()}`);
    const spki = Buffer.from(cert.publicKey.rawData);
    const keySpki = spkiOfPrivateKeyPem(keyPem);
    if (spki.length !== keySpki.length || !timingSafeEqual(spki, keySpki)) {
      throw new CaError(`the stored CA key does not belong to the CA certificate ${cert.subject}`);
    }
    const { privateKey, curve } = await importPrivateKeyPem(keyPem);
    return new CertificateAuthority(cert, privateKey, curve);
  }

  /**
   * An agent client certificate for `cluster` on the given public key. `notBeforeFloor`: the
   * certificate is valid from no earlier than this (a revoked cluster's new certificate must be
   * valid from its revocation time on, or the cell would refuse it as revoked).
   */
  async issueAgent(
    publicKey: x509.PublicKeyType,
    cluster: string,
    validityMs = AGENT_CERT_VALIDITY_MS,
    notBeforeFloor?: Date,
  ): Promise<IssuedCertificate> {
    assertClusterName(cluster);
    return this.issue(
      publicKey,
      `CN=${cluster}, O=${AGENT_ORGANIZATION}`,
      x509.ExtendedKeyUsage.clientAuth,
      [{ type: "url", value: clusterUri(cluster) }],
      validityMs,
      notBeforeFloor,
    );
  }

  /** A serving certificate for the cell. */
  async issueServing(
    publicKey: x509.PublicKeyType,
    names: ServingNames,
    validityMs = SERVING_CERT_VALIDITY_MS,
  ): Promise<IssuedCertificate> {
    const first = names.dns[0] ?? names.ip[0];
    if (!first) throw new CaError("a serving certificate needs at least one name");
    return this.issue(
      publicKey,
      `CN=${first}, O=lattice`,
      x509.ExtendedKeyUsage.serverAuth,
      [
        ...names.dns.map((value) => ({ type: "dns" as const, value })),
        ...names.ip.map((value) => ({ type: "ip" as const, value })),
      ],
      validityMs,
    );
  }

  private async issue(
    publicKey: x509.PublicKeyType,
    subject: string,
    usage: string,
    san: { type: "dns" | "ip" | "url"; value: string }[],
    validityMs: number,
    notBeforeFloor?: Date,
  ): Promise<IssuedCertificate> {
    const now = Date.now();
    // X.509 times have whole seconds: round the floor up so the encoded time is not before it.
    const floor = notBeforeFloor ? Math.ceil(notBeforeFloor.getTime() / 1000) * 1000 : 0;
    // Never outlive the CA: a chain with a leaf valid past its issuer fails verification anyway.
    const notAfter = new Date(Math.min(now + validityMs, this.certificate.notAfter.getTime()));
    const serial = randomSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.certificate.subjectName,
      notBefore: new Date(Math.max(now - BACKDATE_MS, floor)),
      notAfter,
      signingAlgorithm: ecdsaParams(this.curve),
      publicKey,
      signingKey: this.signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage], false),
        new x509.SubjectAlternativeNameExtension(san, false),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
      ],
    });
    return { pem: cert.toString("pem"), notAfter, serial };
  }
}
