// Certificate requests. The agent makes one for a key it generated (the private key never leaves
// the child); the cell checks it before signing: a well-formed PKCS#10 whose signature proves
// possession of the key, a FIPS-approved key type and hash, and a subject naming the cluster the
// token or stream is bound to. The cell then issues with ITS subject, never the CSR's extensions.
import { createPublicKey } from "node:crypto";
import { AGENT_ORGANIZATION } from "../protocol/identity";
import { ecdsaParams, x509, type CryptoKeyPair, type Curve } from "./crypto";

/** A request the cell refuses to sign; the message says why (safe to return to the caller). */
export class CsrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsrError";
  }
}

/** Largest CSR accepted (an RSA-4096 request with a few extensions is ~2 KiB). */
export const MAX_CSR_BYTES = 16 * 1024;

/** A PKCS#10 request (PEM) for an agent of `cluster` on the given key pair. */
export async function createAgentCsr(cluster: string, keys: CryptoKeyPair, curve: Curve = "P-256"): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cluster}, O=${AGENT_ORGANIZATION}`,
    keys,
    signingAlgorithm: ecdsaParams(curve),
  });
  return csr.toString("pem");
}

const APPROVED_HASHES = new Set(["SHA-256", "SHA-384", "SHA-512"]);

/**
 * Parse and check a CSR for `cluster`; returns it (its publicKey is what gets certified).
 * CsrError for anything the cell will not sign.
 */
export async function checkAgentCsr(pem: string, cluster: string): Promise<x509.Pkcs10CertificateRequest> {
  if (typeof pem !== "string" || pem.length === 0) throw new CsrError("missing certificate request");
  if (pem.length > MAX_CSR_BYTES) throw new CsrError(`certificate request larger than ${MAX_CSR_BYTES} bytes`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (e) {
    throw new CsrError(`certificate request does not parse: ${(e as Error).message}`);
  }
  const hash = (csr.signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? "";
  if (!APPROVED_HASHES.has(hash))
    throw new CsrError(`certificate request signed with ${hash || "an unknown hash"}; want SHA-256/384/512`);
  checkKey(Buffer.from(csr.publicKey.rawData));
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError("certificate request signature does not verify (no proof of key possession)");
  const cn = csr.subjectName.getField("CN");
  if (cn.length !== 1 || cn[0] !== cluster) {
    throw new CsrError(
      `certificate request names ${cn.length ? `"${cn.join(",")}"` : "no CN"}, but it is for cluster "${cluster}"`,
    );
  }
  return csr;
}

/** ECDSA P-256/P-384 or RSA of at least 2048 bits. */
function checkKey(spki: Buffer): void {
  let ko;
  try {
    ko = createPublicKey({ key: spki, format: "der", type: "spki" });
  } catch (e) {
    throw new CsrError(`certificate request key does not parse: ${(e as Error).message}`);
  }
  const d = ko.asymmetricKeyDetails ?? {};
  if (ko.asymmetricKeyType === "ec" && (d.namedCurve === "prime256v1" || d.namedCurve === "secp384r1")) return;
  if ((ko.asymmetricKeyType === "rsa" || ko.asymmetricKeyType === "rsa-pss") && (d.modulusLength ?? 0) >= 2048) return;
  throw new CsrError(
    `certificate request key ${ko.asymmetricKeyType} ${d.namedCurve ?? d.modulusLength ?? ""} is not allowed (ECDSA P-256/P-384 or RSA >= 2048)`,
  );
}
