// The cell's link server: Link.Connect served on node:http2 directly (the gRPC wire format is in
// grpc-frame.ts; agents use grpc-js, which speaks the same protocol). Why not grpc-js's server: it
// keeps per-connection and per-call state and timers a cell of ten thousand mostly idle streams
// pays for in memory, and it hides the three things this server needs to own:
//   - admission: connections pass a front door (front-door.ts) that queues TLS handshakes, so a
//     reconnect storm is served at the speed of the CPU instead of collapsing into timeouts;
//   - liveness: one sweep pings every connection (keepalive.ts) — no per-stream timers, no
//     application heartbeats — and destroys connections that stop answering;
//   - identity: the client certificate names the cluster; `admit` decides (revocation, an unknown
//     cluster) before the stream is answered at all.
//
//   TCP ─► FrontDoor ─► TLS (mTLS, FIPS suites) ─► HTTP/2 session ─► stream /lattice.agent.v1.Link/Connect
//          (queue)                                  (KeepaliveSweep)   ─► Session (session.ts)
//
// Per connection the server keeps: the keepalive record, and per stream one small object that is
// the stream's decoder, its LinkCall and its link to the Session — the listeners are shared.
import * as http2 from "node:http2";
import type * as tls from "node:tls";
import { clusterOfPeer, IdentityError } from "../protocol/identity";
import { linkCodec } from "../protocol/codec";
import type { CellMessage } from "../protocol/load";
import { FIPS_TLS, type TlsMaterial } from "../protocol/tls";
import { FrontDoor, type FrontDoorStats } from "./front-door";
import {
  CONNECT_PATH,
  FrameError,
  MessageDecoder,
  RESPONSE_HEADERS,
  Status,
  frame,
  statusTrailers,
} from "./grpc-frame";
import { KeepaliveSweep, silenceBoundMs } from "./keepalive";
import { SessionRegistry } from "./registry";
import { Session, type LinkCall, type PeerCertificate, type SessionDeps } from "./session";

/** Connection admission (see front-door.ts). */
export interface AdmissionOptions {
  maxConnections: number;
  maxHandshakes: number;
  maxQueue: number;
  maxQueueWaitMs: number;
}

/** How to run the link server. */
export interface LinkServerOptions extends Omit<SessionDeps, "registry"> {
  host: string;
  port: number;
  /** Share the port with other cell processes on this host (SO_REUSEPORT). */
  reusePort?: boolean;
  tls: TlsMaterial;
  /** HTTP/2 PING liveness (default DEFAULT_KEEPALIVE). */
  keepalive?: { intervalMs: number; timeoutMs: number };
  admission?: Partial<AdmissionOptions>;
  /** A connection must bind a stream (send Hello) this long after its handshake, or it is closed. */
  helloTimeoutMs?: number;
  /**
   * May this certificate hold a stream now? The refusal (sent to the agent as PERMISSION_DENIED),
   * or undefined. Revocation and unknown clusters are decided here, before the stream is answered.
   */
  admit?: (cluster: string, cert: PeerCertificate) => string | undefined;
  /** Largest message accepted from an agent. */
  maxMessageBytes?: number;
  /** TLS session ticket keys (48 bytes) shared by the replicas, and how long a ticket resumes (s). */
  ticketKeys?: Buffer;
  ticketLifetimeS?: number;
}

/** Agents are pinged after 20 s without an answer and dropped 10 s after an unanswered PING. */
export const DEFAULT_KEEPALIVE = { intervalMs: 20_000, timeoutMs: 10_000 };

/**
 * Admission: 64 handshakes at a time (each ~1–2 ms of CPU, so the loop stays responsive between
 * them), up to 20,000 waiting, none served after 30 s in the queue.
 */
export const DEFAULT_ADMISSION: AdmissionOptions = {
  maxConnections: 50_000,
  maxHandshakes: 64,
  maxQueue: 20_000,
  maxQueueWaitMs: 30_000,
};

const MiB = 1024 * 1024;

/** A running link server. */
export interface LinkServer {
  readonly port: number;
  readonly registry: SessionRegistry<Session>;
  /** Streams opened and not yet closed (bound or awaiting Hello). */
  openStreams(): number;
  /** Connections and admission counters. */
  stats(): { sessions: number; keepaliveDropped: number; frontDoor: FrontDoorStats };
  /** The longest a silent agent keeps its stream (the documented bound). */
  readonly silenceBoundMs: number;
  /** Serve a renewed certificate from now on (new handshakes). */
  rotate(m: TlsMaterial): void;
  /** Issue and accept tickets with these keys from now on. */
  setTicketKeys(keys: Buffer): void;
  /** End every stream (UNAVAILABLE), stop accepting, and close within graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** The stream, its decoder and its session: one object per stream. */
class StreamCall implements LinkCall {
  session?: Session;
  readonly decoder: MessageDecoder;
  private done = false;

  constructor(
    readonly stream: http2.ServerHttp2Stream,
    maxMessageBytes: number,
  ) {
    this.decoder = new MessageDecoder(maxMessageBytes);
  }

  get peer(): string {
    const s = this.stream.session?.socket;
    return s ? `${s.remoteAddress ?? "?"}:${s.remotePort ?? "?"}` : "?";
  }

  get bufferedBytes(): number {
    return this.stream.writableLength;
  }

  send(msg: CellMessage): void {
    if (this.done || this.stream.destroyed) return;
    this.stream.write(frame(linkCodec().encodeCellMessage(msg)));
  }

  finish(code: Status, details: string): void {
    if (this.done) return;
    this.done = true;
    finishStream(this.stream, code, details);
  }
}

/** End a stream with a status: in the trailers, or trailers-only when nothing was answered yet. */
function finishStream(stream: http2.ServerHttp2Stream, code: Status, details: string): void {
  if (stream.destroyed || stream.closed) return;
  try {
    if (!stream.headersSent) {
      stream.respond({ ...RESPONSE_HEADERS, ...statusTrailers(code, details) }, { endStream: true });
      return;
    }
    stream.once("wantTrailers", () => stream.sendTrailers(statusTrailers(code, details)));
    stream.end();
  } catch {
    stream.destroy();
  }
}

const CALL = Symbol("lattice.link.call");
const BOUND = Symbol("lattice.link.bound");
type Tagged<T> = T & { [CALL]?: StreamCall; [BOUND]?: boolean };

/** Start serving Link.Connect on host:port (port 0 picks one). */
export async function startLinkServer(opts: LinkServerOptions): Promise<LinkServer> {
  const registry = new SessionRegistry<Session>();
  const open = new Set<Session>();
  const deps: SessionDeps = { ...opts, registry };
  const log = opts.log;
  const now = opts.now ?? Date.now;
  const codec = linkCodec();
  const maxMessageBytes = opts.maxMessageBytes ?? 4 * MiB;
  const keepaliveOpts = opts.keepalive ?? DEFAULT_KEEPALIVE;
  const helloTimeoutMs = opts.helloTimeoutMs ?? 20_000;
  const admission = { ...DEFAULT_ADMISSION, ...opts.admission };
  const forget = (s: Session) => open.delete(s);

  const keepalive = new KeepaliveSweep({
    ...keepaliveOpts,
    onSilent: (cluster, silentMs) => log.info("closing a silent connection", { cluster, silentMs }),
    onAlive: (cluster) => cluster !== undefined && opts.status.heartbeat(cluster, now()),
  });

  const h2 = http2.createSecureServer({
    ...FIPS_TLS,
    ca: opts.tls.ca,
    cert: opts.tls.cert,
    key: opts.tls.key,
    honorCipherOrder: true,
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
    handshakeTimeout: 10_000,
    ...(opts.ticketKeys ? { ticketKeys: opts.ticketKeys } : {}),
    ...(opts.ticketLifetimeS ? { sessionTimeout: opts.ticketLifetimeS } : {}),
    // One stream per agent; a few more let a reconnecting agent overlap without refusal.
    settings: { maxConcurrentStreams: 4, enablePush: false, maxHeaderListSize: 16 * 1024 },
  });

  // Connections that have not bound a stream yet, oldest first (small: recent connections only).
  const unbound: { session: Tagged<http2.ServerHttp2Session>; at: number }[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const noop = () => undefined;
  function onSessionClose(this: http2.ServerHttp2Session) {
    sessions.delete(this);
    keepalive.remove(this);
  }
  h2.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    keepalive.add(session);
    unbound.push({ session, at: now() });
    session.on("error", noop);
    session.once("close", onSessionClose);
  });
  h2.on("tlsClientError", (e: Error, t: tls.TLSSocket) =>
    log.debug("link TLS handshake refused", { peer: `${t.remoteAddress}:${t.remotePort}`, error: e }),
  );

  // Shared listeners: `this` is the stream; its StreamCall hangs off it.
  function onData(this: Tagged<http2.ServerHttp2Stream>, chunk: Buffer) {
    const call = this[CALL]!;
    const s = call.session!;
    if (s.isClosed) return;
    let messages: Buffer[];
    try {
      messages = call.decoder.push(chunk);
    } catch (e) {
      const fe = e instanceof FrameError ? e : new FrameError(Status.INTERNAL, String(e));
      return s.close(fe.code, fe.message);
    }
    for (const bytes of messages) {
      let m;
      try {
        m = codec.decodeAgentMessage(bytes);
      } catch (e) {
        return s.close(Status.INTERNAL, `a message did not decode: ${(e as Error).message}`);
      }
      try {
        s.onMessage(m);
      } catch (e) {
        log.error("message handling failed", { cluster: s.cluster, error: e as Error });
        return s.close(Status.INTERNAL, "the cell failed handling a message");
      }
      if (s.isBound) (this.session as Tagged<http2.ServerHttp2Session> | undefined)![BOUND] = true;
    }
  }
  function onEnd(this: Tagged<http2.ServerHttp2Stream>) {
    this[CALL]?.session?.onEnd();
  }
  function onClose(this: Tagged<http2.ServerHttp2Stream>) {
    const s = this[CALL]?.session;
    if (s) s.onClosed(`stream closed (${this.rstCode ? `reset ${this.rstCode}` : "ended"})`);
    this[CALL] = undefined;
  }

  h2.on("stream", (stream: Tagged<http2.ServerHttp2Stream>, headers: http2.IncomingHttpHeaders) => {
    stream.on("error", noop);
    if (headers[":path"] !== CONNECT_PATH)
      return finishStream(stream, Status.UNIMPLEMENTED, `this server has no method ${headers[":path"]}`);
    if (headers[":method"] !== "POST" || !String(headers["content-type"] ?? "").startsWith("application/grpc"))
      return finishStream(stream, Status.INTERNAL, "not a gRPC request");
    const socket = stream.session?.socket as tls.TLSSocket | undefined;
    if (!socket) return finishStream(stream, Status.UNAVAILABLE, "connection closing");
    let cluster: string;
    let cert: PeerCertificate;
    try {
      const peer = socket.getPeerCertificate();
      cluster = clusterOfPeer(peer);
      cert = {
        ...(peer.valid_from ? { notBefore: new Date(peer.valid_from) } : {}),
        ...(peer.valid_to ? { notAfter: new Date(peer.valid_to) } : {}),
        ...(peer.serialNumber ? { serial: peer.serialNumber } : {}),
      };
    } catch (e) {
      const reason = e instanceof IdentityError ? e.message : String(e);
      log.warn("stream refused: no cluster identity", { peer: `${socket.remoteAddress}:${socket.remotePort}`, reason });
      return finishStream(stream, Status.UNAUTHENTICATED, reason);
    }
    const refusal = opts.admit?.(cluster, cert);
    if (refusal) {
      log.warn("stream refused", { cluster, reason: refusal });
      return finishStream(stream, Status.PERMISSION_DENIED, refusal);
    }
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    const call = new StreamCall(stream, maxMessageBytes);
    const session = new Session(call, cluster, cert, deps, forget);
    call.session = session;
    stream[CALL] = call;
    open.add(session);
    keepalive.label(stream.session!, cluster);
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("close", onClose);
  });

  const door = new FrontDoor(h2, {
    host: opts.host,
    port: opts.port,
    reusePort: opts.reusePort ?? false,
    ...admission,
  });
  const port = await door.listen();
  keepalive.start();

  // Connections that never bind a stream (no Hello) are closed after helloTimeoutMs. Streams that
  // bound and closed leave their connection to the keepalive and the agent.
  const housekeeping = setInterval(() => {
    const t = now();
    let keep = 0;
    for (const u of unbound) {
      if (u.session.destroyed || u.session[BOUND]) continue;
      if (t - u.at > helloTimeoutMs) {
        log.info("closing a connection without Hello", { waitedMs: t - u.at });
        u.session.destroy();
        continue;
      }
      unbound[keep++] = u;
    }
    unbound.length = keep;
  }, 1000);
  housekeeping.unref();

  return {
    port,
    registry,
    silenceBoundMs: silenceBoundMs(keepaliveOpts),
    openStreams: () => open.size,
    stats: () => ({ sessions: sessions.size, keepaliveDropped: keepalive.dropped, frontDoor: door.stats() }),
    rotate: (m) =>
      h2.setSecureContext({
        ...FIPS_TLS,
        ca: m.ca,
        cert: m.cert,
        key: m.key,
        honorCipherOrder: true,
        ...(opts.ticketLifetimeS ? { sessionTimeout: opts.ticketLifetimeS } : {}),
      }),
    setTicketKeys: (keys) => h2.setTicketKeys(keys),
    async stop(graceMs = 5000) {
      clearInterval(housekeeping);
      keepalive.stop();
      const closing = door.close();
      for (const s of [...open]) s.close(Status.UNAVAILABLE, "cell shutting down");
      open.clear();
      for (const s of sessions) s.close();
      const deadline = Date.now() + graceMs;
      while (sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const s of sessions) s.destroy();
      await closing;
    },
  };
}
