// `lattice cell`: run the parent's end of the agent links until SIGTERM/SIGINT. Logs JSON lines;
// the "cell ready" line carries the bound ports and advertised addresses.
// `lattice cell revoke CLUSTER`: revoke a cluster's agent identity (agent/cell/revocation.ts).
// `lattice cell manifests`: print the cell's Deployment, Service and RBAC (agent/deploy/cell.ts).
import { parseFlags, CliError } from "../args";
import { startCell } from "../../agent/cell/cell";
import { revokeCluster } from "../../agent/cell/revocation";
import { DEFAULT_NAMESPACE } from "../../agent/api/types";
import { assertClusterName } from "../../agent/protocol/identity";
import { renderCellManifests } from "../../agent/deploy/cell";
import { DEFAULT_AGENT_IMAGE } from "../../agent/deploy/manifests";
import { stringify } from "yaml";
import { isLevel, jsonLogger } from "../../agent/log";
import { kubeFrom, parseDuration, parseHostPort, untilSignal } from "../../agent/runtime";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/k8s/object";
import { readYamlSources } from "../files";

/** Kubernetes objects from YAML files; each must have apiVersion, kind and metadata.name. */
function loadManifests(paths: readonly string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const src of readYamlSources(paths)) {
    parseAllDocuments(src.text).forEach((doc, i) => {
      const o = doc.toJS() as KubeObject | null;
      if (o === null) return;
      if (typeof o?.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string")
        throw new Error(
          `--addons ${src.file}#${i + 1}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`,
        );
      out.push(o);
    });
  }
  return out;
}

const HELP = `usage: lattice cell [flags]
       lattice cell revoke CLUSTER [--kubeconfig PATH] [--namespace NS]
       lattice cell manifests [--replicas N] [--image IMAGE] [--namespace NS]

Serves the agents' gRPC link (mutual TLS) and the HTTPS bootstrap endpoint, keeps link status and
delivers queued AgentCommands. Run N replicas behind one Service ('cell manifests'): they share
the parent API server as their state. Every flag also reads from the environment variable shown.

  --kubeconfig PATH          the parent cluster (LATTICE_KUBECONFIG, KUBECONFIG; default: in-cluster)
  --namespace NS             where the CA, tokens, commands and status live (LATTICE_NAMESPACE; ${DEFAULT_NAMESPACE})
  --listen HOST:PORT         gRPC link (LATTICE_LISTEN; 0.0.0.0:8443; port 0 picks one)
  --bootstrap-listen H:P     bootstrap endpoint (LATTICE_BOOTSTRAP_LISTEN; 0.0.0.0:8444)
  --advertise HOST[:PORT]    the address agents dial (LATTICE_ADVERTISE; default: hostname, bound port)
  --bootstrap-advertise H:P  the address nodes redeem tokens at (LATTICE_BOOTSTRAP_ADVERTISE)
  --server-name NAME         name on the serving certificate agents verify (lattice-cell)
  --reuse-port               share the listen ports with other cells on this host (SO_REUSEPORT)
  --keepalive-interval D     HTTP/2 PING an agent after this long without an answer (20s)
  --keepalive-timeout D      drop a connection whose PING is unanswered this long (10s); a silent
                             agent is dropped within interval + timeout + 1s
  --heartbeat-interval D     ask agents for application heartbeats at this interval (0: none, PING suffices)
  --max-handshakes N         TLS handshakes of agents in progress at once; more wait in a queue (64)
  --renewal-interval D       at most one certificate renewal per cluster per interval (24h)
  --bootstrap-isolation M    worker: the bootstrap endpoint in its own thread, so a flood of it
                             cannot stall the link (default); inline: on the link's thread (less memory)
  --status-refresh D         rewrite lastHeartbeatTime at most this often per cluster (15m)
  --status-qps N             status writes per second to the parent (20)
  --lease-renew D            renew the cell's Lease this often (10s)
  --agent-image IMAGE        image in the agent manifests handed out at bootstrap (LATTICE_AGENT_IMAGE)
  --addons PATH              YAML manifests (files or directories, repeatable) every new cluster gets in
                             its bootstrap payload: its CNI, Istio ambient, CAPI providers (LATTICE_ADDONS)
  --stats-interval D         log a "cell stats" line (streams, memory, pending writes) this often (60s; 0 never)
  --log-level LEVEL          debug | info | warn | error (LATTICE_LOG_LEVEL; info)
`;

/** Run the cell, or one of its subcommands. */
export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "revoke") return revoke(argv.slice(1));
  if (argv[0] === "manifests") return manifests(argv.slice(1));
  return serve(argv);
}

async function revoke(argv: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags("cell revoke", argv, {
    kubeconfig: { type: "string" },
    namespace: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError("cell revoke: name exactly one cluster (lattice cell revoke CLUSTER)");
  const cluster = positionals[0]!;
  try {
    assertClusterName(cluster);
  } catch (e) {
    throw new CliError(`cell revoke: ${(e as Error).message}`);
  }
  const env = process.env;
  const namespace = f.namespace ?? env.LATTICE_NAMESPACE ?? DEFAULT_NAMESPACE;
  const kube = kubeFrom(f.kubeconfig ?? env.LATTICE_KUBECONFIG ?? env.KUBECONFIG);
  try {
    const at = await revokeCluster(kube, namespace, cluster).catch((e: unknown) => {
      throw new CliError(`cell revoke: ${(e as Error).message}`, 1);
    });
    process.stdout.write(
      `revoked cluster ${cluster}: certificates valid from before ${at.toISOString()} are refused; ` +
        `its stream is cut within seconds. Issue a new bootstrap token to admit it again.\n`,
    );
    return 0;
  } finally {
    kube.close();
  }
}

function manifests(argv: string[]): number {
  const { values: f } = parseFlags("cell manifests", argv, {
    replicas: { type: "string" },
    image: { type: "string" },
    namespace: { type: "string" },
    "service-type": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const replicas = Number(f.replicas ?? "2");
  if (!(Number.isInteger(replicas) && replicas >= 1))
    throw new CliError(`cell manifests: --replicas ${f.replicas}: want a whole number >= 1`);
  const serviceType = f["service-type"] ?? "LoadBalancer";
  if (!["ClusterIP", "NodePort", "LoadBalancer"].includes(serviceType))
    throw new CliError(`cell manifests: --service-type ${serviceType}: want ClusterIP, NodePort or LoadBalancer`);
  const objects = renderCellManifests({
    namespace: f.namespace ?? DEFAULT_NAMESPACE,
    image: f.image ?? DEFAULT_AGENT_IMAGE,
    replicas,
    serviceType: serviceType as "ClusterIP" | "NodePort" | "LoadBalancer",
  });
  process.stdout.write(objects.map((o) => stringify(o)).join("---\n"));
  return 0;
}

async function serve(argv: string[]): Promise<number> {
  const { values: f } = parseFlags("cell", argv, {
    kubeconfig: { type: "string" },
    namespace: { type: "string" },
    listen: { type: "string" },
    "bootstrap-listen": { type: "string" },
    advertise: { type: "string" },
    "bootstrap-advertise": { type: "string" },
    "server-name": { type: "string" },
    "reuse-port": { type: "boolean" },
    "keepalive-interval": { type: "string" },
    "keepalive-timeout": { type: "string" },
    "max-handshakes": { type: "string" },
    "renewal-interval": { type: "string" },
    "bootstrap-isolation": { type: "string" },
    "heartbeat-interval": { type: "string" },
    "status-refresh": { type: "string" },
    "status-qps": { type: "string" },
    "lease-renew": { type: "string" },
    "agent-image": { type: "string" },
    addons: { type: "string", multiple: true },
    "stats-interval": { type: "string" },
    "log-level": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const env = process.env;
  const level = f["log-level"] ?? env.LATTICE_LOG_LEVEL ?? "info";
  if (!isLevel(level)) throw new CliError(`cell: --log-level ${level}: want debug, info, warn or error`);
  const log = jsonLogger({ component: "cell", level });
  let config;
  try {
    const listen = parseHostPort(f.listen ?? env.LATTICE_LISTEN ?? "0.0.0.0:8443", "--listen", 8443);
    const bootstrapListen = parseHostPort(
      f["bootstrap-listen"] ?? env.LATTICE_BOOTSTRAP_LISTEN ?? "0.0.0.0:8444",
      "--bootstrap-listen",
      8444,
    );
    const advertise = f.advertise ?? env.LATTICE_ADVERTISE;
    const adv = advertise ? parseHostPort(advertise, "--advertise") : undefined;
    const bAdvertise = f["bootstrap-advertise"] ?? env.LATTICE_BOOTSTRAP_ADVERTISE;
    const badv = bAdvertise ? parseHostPort(bAdvertise, "--bootstrap-advertise") : undefined;
    const qps = Number(f["status-qps"] ?? "20");
    if (!(qps > 0)) throw new Error(`--status-qps ${f["status-qps"]}: want a positive number`);
    const isolation = f["bootstrap-isolation"] ?? "worker";
    if (isolation !== "worker" && isolation !== "inline")
      throw new Error(`--bootstrap-isolation ${isolation}: want worker or inline`);
    const maxHandshakes = Number(f["max-handshakes"] ?? "64");
    if (!(Number.isInteger(maxHandshakes) && maxHandshakes > 0))
      throw new Error(`--max-handshakes ${f["max-handshakes"]}: want a whole number > 0`);
    const keepalive = {
      intervalMs: parseDuration(
        f["keepalive-interval"] ?? env.LATTICE_KEEPALIVE_INTERVAL ?? "20s",
        "--keepalive-interval",
      ),
      timeoutMs: parseDuration(f["keepalive-timeout"] ?? env.LATTICE_KEEPALIVE_TIMEOUT ?? "10s", "--keepalive-timeout"),
    };
    if (!(keepalive.intervalMs >= 100 && keepalive.timeoutMs >= 100))
      throw new Error("--keepalive-interval and --keepalive-timeout must be at least 100ms");
    const agentImage = f["agent-image"] ?? env.LATTICE_AGENT_IMAGE;
    const addonPaths = f.addons ?? (env.LATTICE_ADDONS ? env.LATTICE_ADDONS.split(",") : []);
    const addons = addonPaths.length ? loadManifests(addonPaths) : undefined;
    config = {
      kube: kubeFrom(f.kubeconfig ?? env.LATTICE_KUBECONFIG ?? env.KUBECONFIG),
      logLevel: level,
      namespace: f.namespace ?? env.LATTICE_NAMESPACE ?? DEFAULT_NAMESPACE,
      log,
      listen: { host: listen.host, port: listen.port ?? 8443 },
      bootstrapListen: { host: bootstrapListen.host, port: bootstrapListen.port ?? 8444 },
      ...(adv ? { advertiseHost: adv.host, ...(adv.port !== undefined ? { advertiseGrpcPort: adv.port } : {}) } : {}),
      ...(badv?.port !== undefined ? { advertiseBootstrapPort: badv.port } : {}),
      ...(f["server-name"] ? { serverName: f["server-name"] } : {}),
      reusePort: f["reuse-port"] ?? env.LATTICE_REUSE_PORT === "true",
      keepalive,
      admission: { maxHandshakes },
      renewalIntervalMs: parseDuration(f["renewal-interval"] ?? "24h", "--renewal-interval"),
      bootstrapIsolation: isolation as "worker" | "inline",
      heartbeatIntervalMs: parseDuration(
        f["heartbeat-interval"] ?? env.LATTICE_HEARTBEAT_INTERVAL ?? "0",
        "--heartbeat-interval",
      ),
      statusRefreshMs: parseDuration(f["status-refresh"] ?? "15m", "--status-refresh"),
      statusQps: qps,
      statusBurst: Math.max(1, Math.ceil(qps * 2)),
      leaseRenewMs: parseDuration(f["lease-renew"] ?? "10s", "--lease-renew"),
      statsIntervalMs: parseDuration(f["stats-interval"] ?? "60s", "--stats-interval"),
      ...(agentImage ? { agentImage } : {}),
      ...(addons ? { addons } : {}),
    };
  } catch (e) {
    throw new CliError(`cell: ${(e as Error).message}`);
  }
  const cell = await startCell(config);
  log.info("cell ready", {
    instance: cell.instance,
    silentAgentDroppedWithinMs: cell.link.silenceBoundMs,
    grpcPort: cell.grpcPort,
    bootstrapPort: cell.bootstrapPort,
    grpcAddress: cell.endpoint.grpcAddress,
    bootstrapUrl: cell.endpoint.bootstrapUrl,
    namespace: config.namespace,
  });
  await untilSignal(log);
  await cell.stop();
  config.kube.close();
  log.info("cell stopped");
  return 0;
}
