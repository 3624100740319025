// TLS for every link (gRPC stream and bootstrap endpoint): TLS 1.2/1.3 with FIPS-approved
// algorithms only — ECDHE on P-256/P-384, AES-GCM, SHA-256/384, ECDSA P-256/P-384 or RSA (PSS or
// PKCS#1 v1.5) signatures. No X25519, no ChaCha20, no CBC, no SHA-1. Both ends set the same list so
// a peer that offers only something else fails the handshake instead of downgrading.
// The agent's grpc-js credentials and channel options are in channel.ts.
import type * as tls from "node:tls";

/** TLS 1.3 suites and TLS 1.2 ECDHE+AES-GCM suites, strongest first. */
export const FIPS_CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES128-GCM-SHA256",
].join(":");

/** Key exchange groups. */
export const FIPS_CURVES = "P-256:P-384";

/** Signature algorithms for handshakes and certificates. */
export const FIPS_SIGALGS = [
  "ecdsa_secp256r1_sha256",
  "ecdsa_secp384r1_sha384",
  "rsa_pss_rsae_sha256",
  "rsa_pss_rsae_sha384",
  "rsa_pss_pss_sha256",
  "rsa_pss_pss_sha384",
  "rsa_pkcs1_sha256",
  "rsa_pkcs1_sha384",
].join(":");

/** The context options every link endpoint uses. */
export const FIPS_TLS: Readonly<
  Pick<tls.SecureContextOptions, "minVersion" | "maxVersion" | "ciphers" | "ecdhCurve" | "sigalgs">
> = {
  minVersion: "TLSv1.2",
  maxVersion: "TLSv1.3",
  ciphers: FIPS_CIPHERS,
  ecdhCurve: FIPS_CURVES,
  sigalgs: FIPS_SIGALGS,
};

/** PEM material of one endpoint: the CA it trusts, and its own certificate chain and key. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** Options for a TLS server (the bootstrap endpoint; with requestClientCert for the link). */
export function serverTlsOptions(m: TlsMaterial, requestClientCert: boolean): tls.TlsOptions {
  return {
    ...FIPS_TLS,
    ca: m.ca,
    cert: m.cert,
    key: m.key,
    honorCipherOrder: true,
    requestCert: requestClientCert,
    rejectUnauthorized: requestClientCert,
  };
}
