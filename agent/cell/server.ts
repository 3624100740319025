// The cell's gRPC server: mutual TLS (LinkServerCredentials), one Link.Connect handler that binds
// each stream to the cluster named by its client certificate, a sweep that ends streams whose
// agent went silent (no message for three heartbeat intervals, or no Hello within that long), and
// the heartbeat pacer that sheds load when the cell's event loop is saturated (pacer.ts).
import { performance } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { clusterOfPeer, IdentityError } from "../protocol/identity";
import { linkPackage, type AgentMessage__Output, type CellMessage, type LinkHandlers } from "../protocol/load";
import { LINK_SERVER_OPTIONS, type LinkServerCredentials } from "../protocol/tls";
import { defaultPacerOptions, HeartbeatPacer } from "./pacer";
import { SessionRegistry } from "./registry";
import { Session, type SessionDeps } from "./session";

/** How to run the link server. */
export interface LinkServerOptions extends Omit<SessionDeps, "registry" | "pacer"> {
  host: string;
  port: number;
  credentials: LinkServerCredentials;
  /** Extra grpc-js server options (merged over LINK_SERVER_OPTIONS). */
  grpcOptions?: grpc.ServerOptions;
  /**
   * A bound stream silent this long is closed, as is one without Hello after this long. Default
   * max(3 heartbeat intervals, 20 s): short intervals must not turn a moment of overload (a connect
   * storm, a GC pause) into thousands of dropped streams that all reconnect at once. While the
   * pacer stretches the heartbeat interval, the default stretches with it.
   */
  silentAfterMs?: number;
  /** Heartbeat pacing (default: defaultPacerOptions(heartbeatIntervalMs)); how often it looks. */
  pacer?: HeartbeatPacer;
  pacePeriodMs?: number;
}

/** The floor of the silence allowed before a stream is dropped (see silentAfterMs). */
export const MIN_SILENCE_MS = 20_000;

/** A running link server. */
export interface LinkServer {
  readonly port: number;
  readonly registry: SessionRegistry<Session>;
  /** The heartbeat interval the cell asks for, steered by its load. */
  readonly pacer: HeartbeatPacer;
  /** Streams opened and not yet closed (bound or awaiting Hello). */
  openStreams(): number;
  /** End every stream (UNAVAILABLE), stop accepting, and close within graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/** Start serving Link.Connect on host:port (port 0 picks one). */
export async function startLinkServer(opts: LinkServerOptions): Promise<LinkServer> {
  const registry = new SessionRegistry<Session>();
  const open = new Set<Session>();
  const pacer = opts.pacer ?? new HeartbeatPacer(defaultPacerOptions(opts.heartbeatIntervalMs));
  const deps: SessionDeps = { ...opts, registry, pacer };
  const log = opts.log;
  const now = opts.now ?? Date.now;
  const forget = (s: Session) => open.delete(s);

  const handlers: LinkHandlers = {
    Connect(call: grpc.ServerDuplexStream<AgentMessage__Output, CellMessage>) {
      let cluster: string;
      let notAfter: Date | undefined;
      try {
        const cert = call.getAuthContext().sslPeerCertificate;
        cluster = clusterOfPeer(cert);
        notAfter = cert?.valid_to ? new Date(cert.valid_to) : undefined;
      } catch (e) {
        const reason = e instanceof IdentityError ? e.message : String(e);
        log.warn("stream refused: no cluster identity", { peer: call.getPeer(), reason });
        call.emit("error", { code: grpc.status.UNAUTHENTICATED, details: reason });
        return;
      }
      const s = new Session(call, cluster, notAfter, deps, forget);
      open.add(s);
      s.start();
    },
  };

  const server = new grpc.Server({ ...LINK_SERVER_OPTIONS, ...opts.grpcOptions });
  server.addService(linkPackage().Link.service, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${opts.port}`,
      opts.credentials,
      (err, p) => (err ? reject(err) : resolve(p)),
    );
  });

  // Pacing: the event loop's utilization over each period steers the interval agents are asked for.
  let lastElu = performance.eventLoopUtilization();
  const pace = setInterval(() => {
    const utilization = performance.eventLoopUtilization(lastElu).utilization;
    lastElu = performance.eventLoopUtilization();
    const before = pacer.intervalMs;
    const after = pacer.observe(utilization, now());
    if (after !== before)
      log.info(
        after > before
          ? "cell saturated: asking agents for a longer heartbeat interval"
          : "load eased: asking agents for a shorter heartbeat interval",
        { heartbeatIntervalMs: after, utilization: Math.round(utilization * 100) / 100 },
      );
  }, opts.pacePeriodMs ?? 2000);
  pace.unref();

  // One timer for all streams, not one per stream: cheap at ten thousand agents. While the cell's
  // own loop is saturated, silence is more likely its backlog than the agents': it closes nothing
  // then (transport keepalive still ends dead connections).
  const baseSilence = opts.silentAfterMs ?? Math.max(3 * opts.heartbeatIntervalMs, MIN_SILENCE_MS);
  const sweep = setInterval(
    () => {
      if (pacer.saturated) return;
      const t = now();
      const silentAfter = opts.silentAfterMs ?? Math.max(3 * pacer.silenceBasisMs(t), MIN_SILENCE_MS);
      for (const s of open) {
        if (s.isBound ? t - s.lastSeen > silentAfter : t - s.openedAt > silentAfter) {
          log.info("closing a silent stream", { cluster: s.cluster, session: s.id, silentMs: t - s.lastSeen });
          s.close(grpc.status.UNAVAILABLE, s.isBound ? `no message for ${t - s.lastSeen} ms` : "no Hello");
          open.delete(s);
        }
      }
    },
    Math.max(100, Math.min(baseSilence / 4, 5000)),
  );
  sweep.unref();

  return {
    port,
    registry,
    pacer,
    openStreams: () => open.size,
    async stop(graceMs = 5000) {
      clearInterval(sweep);
      clearInterval(pace);
      for (const s of open) s.close(grpc.status.UNAVAILABLE, "cell shutting down");
      open.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
