// `lattice agent`: run a child's agent until SIGTERM/SIGINT.
// `lattice agent bootstrap`: redeem a one-time token and write the agent's identity (and, by
// default, its manifests) into the child — what a new control-plane node runs once.
import { readFileSync } from "node:fs";
import { parseFlags, CliError } from "../args";
import { AGENT_NAMESPACE } from "../../agent/api/child";
import { BootstrapRefused, installAgent, redeemBootstrapToken } from "../../agent/child/bootstrap";
import { KubeAgentHost } from "../../agent/child/host";
import { policyFault } from "../../agent/child/policy";
import { loadIdentity } from "../../agent/child/identity";
import { ConfigMapJournal, MemoryJournal } from "../../agent/child/journal";
import { LinkAgent } from "../../agent/child/link";
import { isLevel, jsonLogger, type Level } from "../../agent/log";
import { kubeFrom, parseDuration, parseHostPort, untilSignal } from "../../agent/runtime";

const HELP = `usage: lattice agent [flags]
       lattice agent bootstrap [flags]

agent: dial the parent's cell (outbound only), keep the link, execute allowed commands.
  --kubeconfig PATH        the child cluster (LATTICE_KUBECONFIG, KUBECONFIG; default: in-cluster)
  --parent HOST:PORT       the cell's gRPC address (LATTICE_PARENT; default: from the identity Secret)
  --namespace NS           the agent's namespace in the child (${AGENT_NAMESPACE})
  --heartbeat-interval D   send application heartbeats this often (0: none — liveness is HTTP/2 PING;
                           a cell that asks for heartbeats in its Welcome gets them anyway)
  --health-interval D      read the cluster's health this often; sent when it changed (30s)
  --status-refresh D       send the health even when unchanged after this long (10m)
  --keepalive-interval D   HTTP/2 PING the cell after this long without an answer (60s)
  --keepalive-timeout D    give the stream up when a PING is unanswered this long (20s)
  --backoff-base D         first reconnect window (1s)
  --backoff-max D          largest reconnect window (30s)
  --journal KIND           configmap (survives restarts) | memory (configmap)
  --log-level LEVEL        debug | info | warn | error (LATTICE_LOG_LEVEL; info)

agent bootstrap: redeem a bootstrap token and install the agent's identity in the child.
  --kubeconfig PATH        the child cluster (admin: it creates namespaces and RBAC)
  --cluster NAME           this cluster's name (the token is bound to it)
  --url URL                the cell's bootstrap endpoint, https://host:port (LATTICE_BOOTSTRAP_URL)
  --ca-file PATH           the cell CA (PEM) handed over with the token
  --token-file PATH        the one-time token (or LATTICE_BOOTSTRAP_TOKEN); never logged
  --server-name NAME       name on the cell's certificate (lattice-cell)
  --identity-only          write only the identity Secret, not the Deployment and RBAC
`;

/** Run the agent, or bootstrap it. */
export async function run(argv: string[]): Promise<number> {
  return argv[0] === "bootstrap" ? bootstrap(argv.slice(1)) : runAgent(argv);
}

function logLevel(v: string | undefined): Level {
  const level = v ?? process.env.LATTICE_LOG_LEVEL ?? "info";
  if (!isLevel(level)) throw new CliError(`agent: --log-level ${level}: want debug, info, warn or error`);
  return level;
}

async function runAgent(argv: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags("agent", argv, {
    kubeconfig: { type: "string" },
    parent: { type: "string" },
    namespace: { type: "string" },
    "heartbeat-interval": { type: "string" },
    "health-interval": { type: "string" },
    "status-refresh": { type: "string" },
    "keepalive-interval": { type: "string" },
    "keepalive-timeout": { type: "string" },
    "backoff-base": { type: "string" },
    "backoff-max": { type: "string" },
    journal: { type: "string" },
    "log-level": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  noArguments("agent", positionals);
  const env = process.env;
  const namespace = f.namespace ?? AGENT_NAMESPACE;
  let opts;
  try {
    opts = {
      heartbeatIntervalMs: parseDuration(f["heartbeat-interval"] ?? "0", "--heartbeat-interval"),
      healthIntervalMs: parseDuration(f["health-interval"] ?? "30s", "--health-interval"),
      statusRefreshMs: parseDuration(f["status-refresh"] ?? "10m", "--status-refresh"),
      keepalive: {
        intervalMs: parseDuration(f["keepalive-interval"] ?? "60s", "--keepalive-interval"),
        timeoutMs: parseDuration(f["keepalive-timeout"] ?? "20s", "--keepalive-timeout"),
      },
      backoff: {
        baseMs: parseDuration(f["backoff-base"] ?? "1s", "--backoff-base"),
        maxMs: parseDuration(f["backoff-max"] ?? "30s", "--backoff-max"),
      },
      journal: f.journal ?? "configmap",
    };
    if (opts.journal !== "configmap" && opts.journal !== "memory")
      throw new Error(`--journal ${opts.journal}: want configmap or memory`);
    if (!(opts.backoff.baseMs > 0 && opts.backoff.maxMs >= opts.backoff.baseMs))
      throw new Error("--backoff-base must be > 0 and <= --backoff-max");
  } catch (e) {
    throw new CliError(`agent: ${(e as Error).message}`);
  }
  const kube = childCluster("agent", f.kubeconfig ?? env.LATTICE_KUBECONFIG ?? env.KUBECONFIG);
  const identity = await loadIdentity(kube, namespace);
  const parent = f.parent ?? env.LATTICE_PARENT;
  const address = parent ? hostPortString(parseHostPort(parent, "--parent")) : identity.parentAddress;
  const log = jsonLogger({
    component: "agent",
    level: logLevel(f["log-level"]),
    fields: { cluster: identity.cluster },
  });
  const policy = { cluster: identity.cluster, capiNamespace: identity.capiNamespace, agentNamespace: namespace };
  const fault = policyFault(policy);
  // The link still comes up (status, renewal, revocation work), but every write is refused.
  if (fault) log.error("every apply and import will be refused", { reason: fault });
  const agent = new LinkAgent({
    cluster: identity.cluster,
    address,
    serverName: identity.serverName,
    identity,
    host: new KubeAgentHost(kube, namespace, policy, log),
    journal: opts.journal === "memory" ? new MemoryJournal() : new ConfigMapJournal(kube, namespace),
    log,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    healthIntervalMs: opts.healthIntervalMs,
    statusRefreshMs: opts.statusRefreshMs,
    keepalive: opts.keepalive,
    backoff: opts.backoff,
  });
  log.info("agent starting", { parent: address, certificateNotAfter: identity.notAfter.toISOString() });
  agent.start();
  await untilSignal(log);
  await agent.stop();
  kube.close();
  log.info("agent stopped");
  return 0;
}

function hostPortString(hp: { host: string; port: number | undefined }): string {
  if (hp.port === undefined) throw new CliError("agent: --parent needs a port (host:port)");
  return hp.host.includes(":") ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

async function bootstrap(argv: string[]): Promise<number> {
  const { values: f, positionals } = parseFlags("agent bootstrap", argv, {
    kubeconfig: { type: "string" },
    cluster: { type: "string" },
    url: { type: "string" },
    "ca-file": { type: "string" },
    "token-file": { type: "string" },
    "server-name": { type: "string" },
    "identity-only": { type: "boolean" },
    "log-level": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    process.stdout.write(HELP);
    return 0;
  }
  noArguments("agent bootstrap", positionals);
  const env = process.env;
  const need = (v: string | undefined, flag: string): string => {
    if (!v) throw new CliError(`agent bootstrap: ${flag} is required`);
    return v;
  };
  const cluster = need(f.cluster, "--cluster");
  const url = need(f.url ?? env.LATTICE_BOOTSTRAP_URL, "--url");
  const caPem = flagFile("--ca-file", need(f["ca-file"], "--ca-file"));
  const token = (
    f["token-file"] ? flagFile("--token-file", f["token-file"]) : need(env.LATTICE_BOOTSTRAP_TOKEN, "--token-file")
  ).trim();
  const log = jsonLogger({ component: "agent-bootstrap", level: logLevel(f["log-level"]), fields: { cluster } });
  const kube = childCluster("agent bootstrap", f.kubeconfig ?? env.LATTICE_KUBECONFIG ?? env.KUBECONFIG);
  try {
    const redeemed = await redeemBootstrapToken({
      url,
      caPem,
      token,
      cluster,
      ...(f["server-name"] ? { serverName: f["server-name"] } : {}),
    });
    const written = await installAgent(kube, redeemed, { applyManifests: !f["identity-only"] });
    log.info("agent identity installed", {
      parent: redeemed.identity.parentAddress,
      capiNamespace: redeemed.identity.capiNamespace,
      objects: written.map(
        (o) => `${o.kind}/${o.metadata.namespace ? o.metadata.namespace + "/" : ""}${o.metadata.name}`,
      ),
    });
    return 0;
  } catch (e) {
    if (e instanceof BootstrapRefused) {
      log.error("bootstrap refused", { status: e.status, reason: e.code, message: e.message });
      return 3;
    }
    throw e;
  } finally {
    kube.close();
  }
}

/** Both agent commands take flags only: a stray word is a typo ("agent manifests" is the cell's). */
function noArguments(command: string, positionals: string[]): void {
  if (positionals.length)
    throw new CliError(`${command}: unexpected argument "${positionals[0]}" (flags only; see lattice agent --help)`);
}

/** The child cluster's API, or a usage error naming how to point at it. */
function childCluster(command: string, kubeconfig: string | undefined): ReturnType<typeof kubeFrom> {
  try {
    return kubeFrom(kubeconfig);
  } catch (e) {
    const fix = "outside the cluster, pass --kubeconfig FILE (or set LATTICE_KUBECONFIG or KUBECONFIG)";
    throw new CliError(`${command}: ${(e as Error).message}`, { exitCode: 2, ...(kubeconfig ? {} : { fix }) });
  }
}

/** The content of a file a flag names, or a usage error naming the flag and the file. */
function flagFile(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new CliError(`agent bootstrap: ${flag} ${file}: ${why}`);
  }
}
