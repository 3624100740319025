// The agent's side of the link's TLS for grpc-js: channel credentials (present the agent's
// certificate, trust only the cell CA, accept only a certificate naming the cell), channel options,
// and server credentials for grpc-js servers that play a cell in tests. All with FIPS_TLS (tls.ts).
//
// grpc-js builds its server from a ServerCredentials object whose constructor and context options
// go straight to http2.createSecureServer / setSecureContext; LinkServerCredentials subclasses it to
// pass ours (grpc-js's own createSsl has no way to set curves, sigalgs or the minimum version).
import * as grpc from "@grpc/grpc-js";
import * as tls from "node:tls";
import { checkCellCertificate, CELL_SERVER_NAME } from "./identity";
import { FIPS_TLS, type TlsMaterial } from "./tls";

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
 *
 * They resume TLS sessions: the last session ticket the cell sent is offered on the next dial, so
 * a reconnect — after a cell restart, or to another replica (they share ticket keys, see
 * agent/cell/tickets.ts) — skips the certificate checks and signatures of a full handshake, most
 * of what a reconnect storm costs the cell. Keep one object per identity across dials; a new
 * certificate means new credentials (and a full handshake). The cell still reads the client
 * certificate of a resumed session (it is part of the session) and admits it as for a new one.
 */
export function linkChannelCredentials(m: TlsMaterial, serverName = CELL_SERVER_NAME): ResumingCredentials {
  return new ResumingCredentials(
    tls.createSecureContext({ ...FIPS_TLS, ca: m.ca, cert: m.cert, key: m.key }),
    serverName,
  );
}

/** grpc-js channel credentials that keep the latest TLS session ticket and offer it when dialling. */
export class ResumingCredentials extends grpc.ChannelCredentials {
  /** The latest ticket (undefined before the first handshake). */
  session?: Buffer;
  /** Handshakes made, and how many of them resumed a session (tests, benchmarks). */
  handshakes = 0;
  resumed = 0;

  constructor(
    private readonly context: tls.SecureContext,
    private readonly serverName: string,
  ) {
    super();
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    _target: unknown,
    _options: grpc.ChannelOptions,
    callCredentials?: grpc.CallCredentials,
  ): ReturnType<grpc.ChannelCredentials["_createSecureConnector"]> {
    const calls = callCredentials ?? grpc.credentials.createEmpty();
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          const t = tls.connect(
            {
              socket,
              secureContext: this.context,
              servername: this.serverName,
              ALPNProtocols: ["h2"],
              checkServerIdentity: (_host, cert) => checkCellCertificate(cert, this.serverName),
              ...(this.session ? { session: this.session } : {}),
            },
            () => {
              if (!t.authorized) return reject(t.authorizationError);
              this.handshakes++;
              if (t.isSessionReused()) this.resumed++;
              resolve({ socket: t, secure: true });
            },
          );
          t.on("session", (ticket: Buffer) => (this.session = ticket));
          t.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => calls,
      destroy: () => undefined,
    };
  }
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
