// The cell: what runs in a parent cluster to hold its children's links. One of N replicas behind
// one Service (agent/deploy/cell.ts); the parent API server is the state they share. startCell
// wires, in order:
//
//   CA (Secret in the parent) ─► serving certificate (in memory, re-issued before it expires)
//   ClusterLink index (who may connect, revocations, who holds which stream) ┐ both complete their
//   command bridge (informer on AgentCommands)                               ┘ first list before
//   status writer (ClusterLink status) + cell Lease + leader election          any stream is served
//   link server (gRPC on HTTP/2, mTLS)  +  HTTPS bootstrap endpoint (tokens)
//   endpoint ConfigMap (how to reach the cell)
//
// stop() reverses it: streams end (their clusters are reported disconnected), pending status is
// flushed for a bounded time, the Lease and the leadership are released.
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import * as os from "node:os";
import type { KubeClient } from "../../kube/client";
import { KubeError } from "../../kube/client";
import { ensureNamespace } from "../api/namespace";
import type { Level, Logger } from "../log";
import { SERVING_CERT_VALIDITY_MS, type CertificateAuthority } from "../pki/ca";
import { generateKeyPair, privateKeyPem } from "../pki/crypto";
import { loadOrCreateCa } from "../pki/store";
import { CELL_SERVER_NAME } from "../protocol/identity";
import type { TlsMaterial } from "../protocol/tls";
import { TokenStore } from "../tokens/store";
import { startBootstrapServer, type BootstrapLimits, type BootstrapServer } from "./bootstrap";
import { CommandBridge } from "./commands";
import type { KubeObject } from "../../core/k8s/object";
import { publishEndpoint, type CellEndpoint } from "./endpoint";
import { Status } from "./grpc-frame";
import { LeaderElector } from "./leader";
import { CellLease } from "./lease";
import { ClusterLinkIndex } from "./links";
import { sweepLostCells } from "./lost-cells";
import { admissionRefusal, DEFAULT_RENEWAL_INTERVAL_MS, renewalSigner } from "./revocation";
import { startLinkServer, type AdmissionOptions, type LinkServer } from "./server";
import { loadTicketKeys, rotateTicketKeys, TICKET_LIFETIME_S } from "./tickets";
import { LinkStatusWriter } from "./status";
import { DEFAULT_AGENT_IMAGE } from "../deploy/manifests";
import { PivotController } from "../../pivot/controller";

/** How to run a cell. */
export interface CellConfig {
  kube: KubeClient;
  namespace: string;
  log: Logger;
  /** Where the gRPC link and the bootstrap endpoint listen (port 0 picks one). */
  listen: { host: string; port: number };
  bootstrapListen: { host: string; port: number };
  /** Share both ports with other cell processes on this host (SO_REUSEPORT; tests and benchmarks). */
  reusePort?: boolean;
  /** The host agents and nodes dial (default: this host's name); ports default to the bound ones. */
  advertiseHost?: string;
  advertiseGrpcPort?: number;
  advertiseBootstrapPort?: number;
  /** The name agents verify on the serving certificate (default lattice-cell). */
  serverName?: string;
  /** More DNS names / IPs for the serving certificate (for tools that verify the dialled name). */
  extraNames?: string[];
  /** This replica's name (default: host name + random suffix). Must be unique among live replicas. */
  instance?: string;
  /** HTTP/2 PING liveness of agent connections (default server.ts DEFAULT_KEEPALIVE). */
  keepalive?: { intervalMs: number; timeoutMs: number };
  /** Application heartbeats asked of agents in Welcome; 0 (default): none, PING is the liveness. */
  heartbeatIntervalMs?: number;
  admission?: Partial<AdmissionOptions>;
  bootstrapLimits?: Partial<BootstrapLimits>;
  /** At most one certificate renewal per cluster per this interval (default 24 h). */
  renewalIntervalMs?: number;
  statusRefreshMs?: number;
  statusQps?: number;
  statusBurst?: number;
  leaseRenewMs?: number;
  agentImage?: string;
  /** Add-on manifests handed to every new cluster in its bootstrap payload (see bootstrap.ts). */
  addons?: readonly KubeObject[];
  /** Log a "cell stats" line (streams, memory, pending writes) this often; 0 never. Default 60 s. */
  statsIntervalMs?: number;
  /** The bootstrap endpoint's log level (it runs in its own thread with its own logger). */
  logLevel?: Level;
  /** worker (default): the bootstrap endpoint in its own thread; inline: on the link's event loop. */
  bootstrapIsolation?: "worker" | "inline";
  /** Run link-mode pivots from ClusterPivot journals (pivot/controller.ts); default on, polling every 1 s. */
  pivots?: { enabled?: boolean; pollMs?: number; leaseSeconds?: number };
}

/** A running cell. */
export interface RunningCell {
  readonly instance: string;
  readonly grpcPort: number;
  readonly bootstrapPort: number;
  readonly endpoint: CellEndpoint;
  readonly link: LinkServer;
  readonly status: LinkStatusWriter;
  readonly commands: CommandBridge;
  readonly links: ClusterLinkIndex;
  readonly leader: LeaderElector;
  readonly pivots?: PivotController;
  stop(): Promise<void>;
}

/** A replica name: the host's (a pod's name in a Deployment) and a random suffix per start. */
function instanceName(): string {
  const host = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40);
  return `${host}-${randomBytes(4).toString("hex")}`;
}

/** Start a cell; resolves when it serves both endpoints. */
export async function startCell(c: CellConfig): Promise<RunningCell> {
  const log = c.log;
  const instance = c.instance ?? instanceName();
  const serverName = c.serverName ?? CELL_SERVER_NAME;
  const advertiseHost = c.advertiseHost ?? os.hostname();

  await ensureNamespace(c.kube, c.namespace);
  const ca = await loadOrCreateCa(c.kube, c.namespace);
  const names = [serverName, advertiseHost, ...(c.extraNames ?? []), "127.0.0.1"];
  let tls = await servingMaterial(ca, names);

  // Late-bound: the index and the writer call into the server, which needs them to start.
  const late: { link?: LinkServer } = {};
  const localSession = (cluster: string) => late.link?.registry.get(cluster);
  const links = new ClusterLinkIndex(c.kube, c.namespace, log.child({ part: "links" }), {
    revoked(cluster, beforeMs) {
      const s = localSession(cluster);
      if (s && (s.certificate.notBefore?.getTime() ?? 0) < beforeMs) {
        log.info("identity revoked: cutting the stream", { cluster, revokedBefore: new Date(beforeMs).toISOString() });
        s.close(Status.PERMISSION_DENIED, `the identity of cluster "${cluster}" was revoked`);
      }
    },
    held(cluster, holder) {
      // Another stream of this cluster — on another replica — is newer than ours: ours is stale
      // (its connection is dead or about to be replaced). Stop sending on it.
      const s = localSession(cluster);
      if (s?.isBound && holder.sessionId !== s.id && holder.connectedMs > s.boundAt) {
        log.info("a newer stream holds this cluster: closing ours", { cluster, holder: holder.cell });
        s.close(Status.ABORTED, "a newer stream for this cluster is held by another cell");
      }
    },
  });
  const commands = new CommandBridge(c.kube, c.namespace, log.child({ part: "commands" }));
  try {
    await Promise.all([links.start(), commands.start()]);
  } catch (e) {
    if (e instanceof KubeError && e.status === 404) {
      throw new Error(
        `the parent does not serve ClusterLink or AgentCommand (agent.lattice.dev/v1alpha1): install agent/deploy/crds first (${e.message})`,
      );
    }
    throw e;
  }
  const status = new LinkStatusWriter(c.kube, c.namespace, instance, links, {
    refreshMs: c.statusRefreshMs ?? 15 * 60_000,
    qps: c.statusQps ?? 20,
    burst: c.statusBurst ?? 40,
    log: log.child({ part: "status" }),
    onStale(cluster, sessionId) {
      const s = localSession(cluster);
      if (s?.id === sessionId) s.close(Status.ABORTED, "a newer stream for this cluster is held by another cell");
    },
  });
  status.start();
  const lease = new CellLease(c.kube, c.namespace, instance, { renewMs: c.leaseRenewMs ?? 10_000, log });
  await lease.start();

  const tokens = new TokenStore(c.kube, c.namespace);
  let tickets = await loadTicketKeys(c.kube, c.namespace);
  const leaderDuties = leaderLoop(c, instance, links, commands, tokens, log, (cluster) =>
    Boolean(localSession(cluster)?.isBound),
  );
  const leader = new LeaderElector(c.kube, c.namespace, instance, {
    leaseDurationMs: 15_000,
    retryMs: 5_000,
    log,
    onStartedLeading: leaderDuties.start,
    onStoppedLeading: leaderDuties.stop,
  });
  leader.start();

  const server = await startLinkServer({
    host: c.listen.host,
    port: c.listen.port,
    reusePort: c.reusePort ?? false,
    tls,
    status,
    commands,
    log: log.child({ part: "link" }),
    cell: instance,
    heartbeatIntervalMs: c.heartbeatIntervalMs ?? 0,
    ...(c.keepalive ? { keepalive: c.keepalive } : {}),
    ...(c.admission ? { admission: c.admission } : {}),
    admit: (cluster, cert) => admissionRefusal(links, c.namespace, cluster, cert),
    ticketKeys: tickets.keys,
    ticketLifetimeS: TICKET_LIFETIME_S,
    renew: renewalSigner({
      kube: c.kube,
      namespace: c.namespace,
      ca,
      index: links,
      minIntervalMs: c.renewalIntervalMs ?? DEFAULT_RENEWAL_INTERVAL_MS,
      log: log.child({ part: "renewal" }),
    }),
  });
  late.link = server;
  const parentAddress = `${hostPort(advertiseHost, c.advertiseGrpcPort ?? server.port)}`;
  let bootstrap: BootstrapServer;
  try {
    bootstrap = await startBootstrapServer({
      host: c.bootstrapListen.host,
      port: c.bootstrapListen.port,
      reusePort: c.reusePort ?? false,
      tls,
      kube: c.kube,
      namespace: c.namespace,
      parentAddress,
      serverName,
      agentImage: c.agentImage ?? DEFAULT_AGENT_IMAGE,
      ...(c.addons ? { addons: c.addons } : {}),
      ...(c.bootstrapLimits ? { limits: c.bootstrapLimits } : {}),
      ...(c.logLevel ? { logLevel: c.logLevel } : {}),
      ...(c.bootstrapIsolation ? { isolation: c.bootstrapIsolation } : {}),
      log: log.child({ part: "bootstrap" }),
    });
  } catch (e) {
    await server.stop(0);
    throw e;
  }
  const endpoint: CellEndpoint = {
    bootstrapUrl: `https://${hostPort(advertiseHost, c.advertiseBootstrapPort ?? bootstrap.port)}`,
    grpcAddress: parentAddress,
    serverName,
    caBundle: ca.certPem,
  };
  await publishEndpoint(c.kube, c.namespace, endpoint);

  // Re-issue the serving certificate after two thirds of its life; new handshakes use it.
  const renewServing = setInterval(
    () => {
      void servingMaterial(ca, names).then(
        (m) => {
          tls = m;
          server.rotate(m);
          bootstrap.rotate(m);
          log.info("serving certificate renewed");
        },
        (e: unknown) => log.error("could not renew the serving certificate", { error: e as Error }),
      );
    },
    (SERVING_CERT_VALIDITY_MS * 2) / 3,
  );
  renewServing.unref();
  // Ticket keys the leader replaced (weekly): take them up within minutes.
  const reloadTickets = setInterval(() => {
    loadTicketKeys(c.kube, c.namespace).then(
      (k) => {
        if (k.keys.equals(tickets.keys)) return;
        tickets = k;
        server.setTicketKeys(k.keys);
        log.info("TLS session ticket keys replaced");
      },
      (e: unknown) => log.warn("could not read the session ticket keys", { error: e as Error }),
    );
  }, 5 * 60_000);
  reloadTickets.unref();
  const statsEvery = c.statsIntervalMs ?? 60_000;
  const stats =
    statsEvery > 0
      ? setInterval(() => {
          const m = process.memoryUsage();
          const mib = (n: number) => Math.round(n / 1048576);
          const st = server.stats();
          log.info("cell stats", {
            streams: server.openStreams(),
            bound: server.registry.size,
            connections: st.sessions,
            queued: st.frontDoor.queued,
            handshaking: st.frontDoor.handshaking,
            refused: st.frontDoor.refused,
            silentDropped: st.keepaliveDropped,
            clusterLinks: links.size,
            statusPending: status.pending(),
            statusWrites: status.writes,
            commandsPending: commands.pendingCount(),
            leader: leader.isLeader,
            rssMiB: mib(m.rss),
            heapUsedMiB: mib(m.heapUsed),
            heapTotalMiB: mib(m.heapTotal),
            externalMiB: mib(m.external),
          });
        }, statsEvery)
      : undefined;
  stats?.unref();

  // The pivot mover, on ClusterPivot journals (each run holds its journal's lease).
  const pivots =
    c.pivots?.enabled === false
      ? undefined
      : new PivotController({
          kube: c.kube,
          namespace: c.namespace,
          log: log.child({ part: "pivots" }),
          ...(c.pivots?.pollMs ? { pollMs: c.pivots.pollMs } : {}),
          ...(c.pivots?.leaseSeconds ? { leaseSeconds: c.pivots.leaseSeconds } : {}),
        });
  pivots?.start();

  let stopped: Promise<void> | undefined;
  return {
    instance,
    grpcPort: server.port,
    bootstrapPort: bootstrap.port,
    endpoint,
    link: server,
    status,
    commands,
    links,
    leader,
    ...(pivots ? { pivots } : {}),
    stop() {
      stopped ??= (async () => {
        await pivots?.stop();
        clearInterval(renewServing);
        clearInterval(reloadTickets);
        clearInterval(stats);
        await bootstrap.stop();
        await server.stop(2000);
        await status.flush(3000);
        status.stop();
        await leader.stop();
        leaderDuties.stop();
        await lease.stop(true);
        await Promise.all([commands.stop(), links.stop()]);
      })();
      return stopped;
    },
  };
}

/** What only the leader does: garbage collection and the lost-cell sweep, on timers while leading. */
function leaderLoop(
  c: CellConfig,
  instance: string,
  links: ClusterLinkIndex,
  commands: CommandBridge,
  tokens: TokenStore,
  log: Logger,
  holds: (cluster: string) => boolean,
): { start: () => void; stop: () => void } {
  let timers: NodeJS.Timeout[] = [];
  const every = (ms: number, f: () => Promise<unknown>) => {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      f()
        .catch((e: unknown) => log.warn("leader task failed", { error: e as Error }))
        .finally(() => (running = false));
    }, ms);
    t.unref();
    timers.push(t);
  };
  const leaseMs = (c.leaseRenewMs ?? 10_000) * 3;
  return {
    start() {
      every(60_000, async () => {
        const n = await commands.collectGarbage();
        if (n) log.info("finished commands deleted", { count: n });
      });
      every(10 * 60_000, async () => {
        const n = await tokens.collectGarbage();
        if (n) log.info("expired or used bootstrap tokens deleted", { count: n });
        await rotateTicketKeys(c.kube, c.namespace);
      });
      every(Math.max(5_000, leaseMs / 2), () =>
        sweepLostCells(c.kube, c.namespace, links, instance, {
          graceMs: 2 * leaseMs,
          leaseRetentionMs: 10 * 60_000,
          maxWrites: 200,
          holds,
          log,
        }),
      );
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers = [];
    },
  };
}

async function servingMaterial(ca: CertificateAuthority, names: string[]): Promise<TlsMaterial> {
  const keys = await generateKeyPair("P-256");
  const unique = [...new Set(names)];
  const issued = await ca.issueServing(keys.publicKey, {
    dns: unique.filter((n) => !isIP(n)),
    ip: unique.filter((n) => isIP(n)),
  });
  return { ca: ca.certPem, cert: issued.pem, key: await privateKeyPem(keys.privateKey) };
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
