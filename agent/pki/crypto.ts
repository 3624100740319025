// WebCrypto keys and PEM for the link's PKI. @peculiar/x509 builds and parses the certificates on
// top of Node's WebCrypto; this module is the one place that registers it and converts keys.
// Only FIPS-approved key types: ECDSA on P-256 or P-384 (RSA is accepted from peers, never made).
import "reflect-metadata"; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it
import { createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The curves Lattice generates keys on. */
export type Curve = "P-256" | "P-384";

/** The ECDSA signing algorithm that matches a curve's strength. */
export function ecdsaParams(curve: Curve): { name: "ECDSA"; namedCurve: Curve; hash: "SHA-256" | "SHA-384" } {
  return { name: "ECDSA", namedCurve: curve, hash: curve === "P-256" ? "SHA-256" : "SHA-384" };
}

/** A new extractable ECDSA key pair. */
export async function generateKeyPair(curve: Curve = "P-256"): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ecdsaParams(curve), true, ["sign", "verify"])) as CryptoKeyPair;
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

const CURVE_OF: Readonly<Record<string, Curve>> = { prime256v1: "P-256", secp384r1: "P-384" };

/** A PEM (PKCS#8 or SEC1) ECDSA private key as a signing CryptoKey and its public half. */
export async function importPrivateKeyPem(
  pem: string,
): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; curve: Curve }> {
  const ko = createPrivateKey(pem);
  const curve = ko.asymmetricKeyType === "ec" ? CURVE_OF[ko.asymmetricKeyDetails?.namedCurve ?? ""] : undefined;
  if (!curve)
    throw new Error(
      `unsupported private key: ${ko.asymmetricKeyType} ${ko.asymmetricKeyDetails?.namedCurve ?? ""} (want ECDSA P-256 or P-384)`,
    );
  const pkcs8 = ko.export({ format: "der", type: "pkcs8" });
  const spki = createPublicKey(ko).export({ format: "der", type: "spki" });
  const alg = { name: "ECDSA", namedCurve: curve };
  return {
    privateKey: await webcrypto.subtle.importKey("pkcs8", pkcs8, alg, true, ["sign"]),
    publicKey: await webcrypto.subtle.importKey("spki", spki, alg, true, ["verify"]),
    curve,
  };
}

/** DER SubjectPublicKeyInfo of a PEM private key (to check that a key belongs to a certificate). */
export function spkiOfPrivateKeyPem(pem: string): Buffer {
  return createPublicKey(createPrivateKey(pem)).export({ format: "der", type: "spki" });
}

/** A random positive certificate serial number (128 bits, hex). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and never a leading zero byte
  return Buffer.from(bytes).toString("hex");
}

export { x509 };
