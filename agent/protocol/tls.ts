// TLS for every link (gRPC stream and bootstrap endpoint): TLS 1.2/1.3 with FIPS-approved
// algorithms only — ECDHE on P-256/P-384, AES-GCM, SHA-256/384, ECDSA P-256/P-384 or RSA (PSS or
// PKCS#1 v1.5) signatures. No X25519, no ChaCha20, no CBC, no SHA-1. Both ends set the same list so
// a peer that offers only something else fails the handshake instead of downgrading.
//
// grpc-js builds its server from a ServerCredentials object whose constructor and context options
// go straight to http2.createSecureServer / setSecureContext; LinkServerCredentials subclasses it to
// pass ours (grpc-js's own createSsl has no way to set curves, sigalgs or the minimum version).
import * as grpc from "@grpc/grpc-js";
import * as tls from "node:tls";
import { checkCellCertificate, CELL_SERVER_NAME } from "./identity";

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

/**
 * grpc-js server credentials with the link's TLS: mutual TLS against the cell CA with FIPS_TLS.
 * The cell serves on node:http2 itself (agent/cell/server.ts); this is for grpc-js servers that
 * play a cell in tests. `rotate` swaps in a renewed serving certificate.
 */
export class LinkServerCredentials extends grpc.ServerCredentials {
  constructor(m: TlsMaterial) {
    super(
      { requestCert: true, rejectUnauthorized: true, honorCipherOrder: true },
      { ...FIPS_TLS, ca: m.ca, cert: m.cert, key: m.key },
    );
  }

  /** Serve with a new certificate from now on (new handshakes only). */
  rotate(m: TlsMaterial): void {
    this.updateSecureContextOptions({ ...FIPS_TLS, ca: m.ca, cert: m.cert, key: m.key });
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/**
 * Channel credentials for an agent: presents its certificate, trusts only the cell CA, and accepts
 * only a certificate naming `serverName` with the serverAuth usage, whatever address it dialled.
 */
export function linkChannelCredentials(m: TlsMaterial, serverName = CELL_SERVER_NAME): grpc.ChannelCredentials {
  const ctx = tls.createSecureContext({ ...FIPS_TLS, ca: m.ca, cert: m.cert, key: m.key });
  return grpc.credentials.createFromSecureContext(ctx, {
    checkServerIdentity: (_host, cert) => checkCellCertificate(cert, serverName),
  });
}

const MiB = 1024 * 1024;

/**
 * Channel options for an agent:
 *  - HTTP/2 PING keepalive (default every 60 s, given up after 20 s unanswered): how an agent finds
 *    a cell that went silent; the cell's HTTP/2 stack answers without running any of its code;
 *  - its own subchannel (never shared with another agent hosted in the same process) and its own
 *    reconnect policy: the agent closes the channel and dials anew with jittered backoff;
 *  - SNI/authority "lattice-cell", the name checked on the cell's certificate;
 *  - no transparent retries: a link stream is not replayable.
 */
export function linkChannelOptions(
  serverName = CELL_SERVER_NAME,
  keepalive: { intervalMs: number; timeoutMs: number } = { intervalMs: 60_000, timeoutMs: 20_000 },
): grpc.ChannelOptions {
  return {
    "grpc.keepalive_time_ms": keepalive.intervalMs,
    "grpc.keepalive_timeout_ms": keepalive.timeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.ssl_target_name_override": serverName,
    "grpc.default_authority": serverName,
    "grpc.use_local_subchannel_pool": 1,
    "grpc.enable_retries": 0,
    "grpc.enable_channelz": 0,
    "grpc.max_receive_message_length": 16 * MiB,
    "grpc.max_send_message_length": 4 * MiB,
  };
}
