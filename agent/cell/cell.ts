// The cell: what runs in a parent cluster to hold its children's links. startCell wires, in order:
//
//   CA (Secret in the parent) ─► serving certificate (in memory, re-issued before it expires)
//   command bridge (informer on AgentCommands; its first list completes before any stream is served)
//   status writer (ClusterLink status) + cell Lease
//   gRPC link server (mTLS)  +  HTTPS bootstrap endpoint (tokens)
//   endpoint ConfigMap (how to reach this cell)
//
// stop() reverses it: streams end (their clusters are reported disconnected), pending status is
// flushed for a bounded time, the Lease is released.
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import * as os from "node:os";
import type { KubeClient } from "../../kube/client";
import { KubeError } from "../../kube/client";
import { ensureNamespace } from "../api/namespace";
import type { Logger } from "../log";
import { SERVING_CERT_VALIDITY_MS, type CertificateAuthority } from "../pki/ca";
import { generateKeyPair, privateKeyPem } from "../pki/crypto";
import { checkAgentCsr } from "../pki/csr";
import { loadOrCreateCa } from "../pki/store";
import { CELL_SERVER_NAME } from "../protocol/identity";
import { LinkServerCredentials, type TlsMaterial } from "../protocol/tls";
import { TokenStore } from "../tokens/store";
import { startBootstrapServer, type BootstrapServer } from "./bootstrap";
import { CommandBridge } from "./commands";
import type { KubeObject } from "../../core/k8s/object";
import { publishEndpoint, type CellEndpoint } from "./endpoint";
import { CellLease } from "./lease";
import { startLinkServer, type LinkServer } from "./server";
import { LinkStatusWriter } from "./status";
import { DEFAULT_AGENT_IMAGE } from "../deploy/manifests";

/** How to run a cell. */
export interface CellConfig {
  kube: KubeClient;
  namespace: string;
  log: Logger;
  /** Where the gRPC link and the bootstrap endpoint listen (port 0 picks one). */
  listen: { host: string; port: number };
  bootstrapListen: { host: string; port: number };
  /** The host agents and nodes dial (default: this host's name); ports default to the bound ones. */
  advertiseHost?: string;
  advertiseGrpcPort?: number;
  advertiseBootstrapPort?: number;
  /** The name agents verify on the serving certificate (default lattice-cell). */
  serverName?: string;
  /** More DNS names / IPs for the serving certificate (for tools that verify the dialled name). */
  extraNames?: string[];
  heartbeatIntervalMs?: number;
  statusRefreshMs?: number;
  statusQps?: number;
  statusBurst?: number;
  leaseRenewMs?: number;
  agentImage?: string;
  /** Add-on manifests handed to every new cluster in its bootstrap payload (see bootstrap.ts). */
  addons?: readonly KubeObject[];
  /** Log a "cell stats" line (streams, memory, pending writes) this often; 0 never. Default 60 s. */
  statsIntervalMs?: number;
  /** Extra grpc-js server options (benchmarks). */
  grpcOptions?: import("@grpc/grpc-js").ServerOptions;
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
  stop(): Promise<void>;
}

/** Start a cell; resolves when it serves both endpoints. */
export async function startCell(c: CellConfig): Promise<RunningCell> {
  const log = c.log;
  const instance = `${os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40)}-${randomBytes(4).toString("hex")}`;
  const serverName = c.serverName ?? CELL_SERVER_NAME;
  const advertiseHost = c.advertiseHost ?? os.hostname();
  const heartbeatIntervalMs = c.heartbeatIntervalMs ?? 10_000;

  await ensureNamespace(c.kube, c.namespace);
  const ca = await loadOrCreateCa(c.kube, c.namespace);
  const names = [serverName, advertiseHost, ...(c.extraNames ?? []), "127.0.0.1"];
  let tls = await servingMaterial(ca, names);
  const credentials = new LinkServerCredentials(tls);

  const commands = new CommandBridge(c.kube, c.namespace, log.child({ part: "commands" }));
  try {
    await commands.start();
  } catch (e) {
    if (e instanceof KubeError && e.status === 404) {
      throw new Error(
        `the parent does not serve AgentCommand (agent.lattice.dev/v1alpha1): install agent/deploy/crds first (${e.message})`,
      );
    }
    throw e;
  }
  const status = new LinkStatusWriter(c.kube, c.namespace, instance, {
    refreshMs: c.statusRefreshMs ?? 60_000,
    qps: c.statusQps ?? 20,
    burst: c.statusBurst ?? 40,
    log: log.child({ part: "status" }),
  });
  status.start();
  const lease = new CellLease(c.kube, c.namespace, instance, { renewMs: c.leaseRenewMs ?? 10_000, log });
  await lease.start();

  const tokens = new TokenStore(c.kube, c.namespace);
  const link = await startLinkServer({
    host: c.listen.host,
    port: c.listen.port,
    credentials,
    status,
    commands,
    log: log.child({ part: "link" }),
    heartbeatIntervalMs,
    renew: async (cluster, csrPem) => ca.issueAgent((await checkAgentCsr(csrPem, cluster)).publicKey, cluster),
    ...(c.grpcOptions ? { grpcOptions: c.grpcOptions } : {}),
  });
  const parentAddress = `${hostPort(advertiseHost, c.advertiseGrpcPort ?? link.port)}`;
  let bootstrap: BootstrapServer;
  try {
    bootstrap = await startBootstrapServer({
      host: c.bootstrapListen.host,
      port: c.bootstrapListen.port,
      tls,
      tokens,
      ca,
      parentAddress,
      serverName,
      agentImage: c.agentImage ?? DEFAULT_AGENT_IMAGE,
      ...(c.addons ? { addons: c.addons } : {}),
      log: log.child({ part: "bootstrap" }),
    });
  } catch (e) {
    await link.stop(0);
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
          credentials.rotate(m);
          bootstrap.rotate(m);
          log.info("serving certificate renewed");
        },
        (e: unknown) => log.error("could not renew the serving certificate", { error: e as Error }),
      );
    },
    (SERVING_CERT_VALIDITY_MS * 2) / 3,
  );
  renewServing.unref();
  const statsEvery = c.statsIntervalMs ?? 60_000;
  const stats =
    statsEvery > 0
      ? setInterval(() => {
          const m = process.memoryUsage();
          const mib = (n: number) => Math.round(n / 1048576);
          log.info("cell stats", {
            streams: link.openStreams(),
            bound: link.registry.size,
            statusPending: status.pending(),
            commandsPending: commands.pendingCount(),
            heartbeatIntervalMs: link.pacer.intervalMs,
            utilization: Math.round(link.pacer.lastUtilization * 100) / 100,
            rssMiB: mib(m.rss),
            heapUsedMiB: mib(m.heapUsed),
            heapTotalMiB: mib(m.heapTotal),
            externalMiB: mib(m.external),
          });
        }, statsEvery)
      : undefined;
  stats?.unref();
  const tokenGc = setInterval(() => {
    tokens.collectGarbage().then(
      (n) => n && log.info("expired or used bootstrap tokens deleted", { count: n }),
      (e: unknown) => log.warn("token garbage collection failed", { error: e as Error }),
    );
  }, 10 * 60_000);
  tokenGc.unref();

  let stopped: Promise<void> | undefined;
  return {
    instance,
    grpcPort: link.port,
    bootstrapPort: bootstrap.port,
    endpoint,
    link,
    status,
    commands,
    stop() {
      stopped ??= (async () => {
        clearInterval(renewServing);
        clearInterval(tokenGc);
        clearInterval(stats);
        await bootstrap.stop();
        await link.stop(2000);
        await status.flush(3000);
        status.stop();
        await lease.stop(true);
        await commands.stop();
      })();
      return stopped;
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
