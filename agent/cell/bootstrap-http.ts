// The bootstrap endpoint itself: HTTPS (server-authenticated; the node trusts the cell CA it was
// given with the token), one route. Redemption, in an order that never burns a token on a bad
// request and does the same work for a known and an unknown token until the token is spent:
//
//   body ≤ 64 KiB (a larger Content-Length is refused before a byte of the body is read)
//   → cluster name and CSR well-formed, the CSR proves its key and names the cluster (checkAgentCsr)
//   → token record exists, unused, unexpired, bound to this cluster (TokenStore.inspect)
//   → mark the token used with a compare-and-swap (TokenStore.consume; a concurrent redeemer loses)
//   → sign the CSR as the cluster's identity (valid from its revocation time, if it was revoked)
//   → answer with a v1 List the node applies as is: namespaces, RBAC, Deployment and the identity
//     Secret (certificate, CA, address — no key).
//
// Every refusal gets the same answer — 403 {"error":"refused"} — whatever the cause (bad token,
// used, expired, another cluster's, bad CSR, too large, wrong path): nothing to probe tokens with.
// The cause is logged (never the token). A failure of the cell itself is 503 {"error":"unavailable"}
// (the node's curl retries it), the same for every request.
//
// Limits, so that a flood costs little and ends soon (see BootstrapLimits): connections pass a
// front door (front-door.ts) with total, per-source and rate limits and a small handshake queue;
// TLS handshakes, headers and requests each have a timeout of a few seconds.
import * as https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import {
  BOOTSTRAP_PATH,
  type BootstrapError,
  type BootstrapRequest,
  type BootstrapResponse,
} from "../api/bootstrap-wire";
import { AGENT_NAMESPACE } from "../api/child";
import { LINK_API_VERSION, type ClusterLink } from "../api/types";
import { renderIdentitySecret } from "../deploy/identity-secret";
import { renderAgentManifests } from "../deploy/manifests";
import type { CertificateAuthority } from "../pki/ca";
import { checkAgentCsr } from "../pki/csr";
import { assertClusterName } from "../protocol/identity";
import { serverTlsOptions, type TlsMaterial } from "../protocol/tls";
import type { KubeObject } from "../../core/k8s/object";
import { TokenError } from "../tokens/errors";
import type { TokenStore } from "../tokens/store";
import { FrontDoor } from "./front-door";
import { notBeforeFloor } from "./revocation";

/** How much a bootstrap endpoint serves at once, and how long it waits. */
export interface BootstrapLimits {
  /** Largest request body; a larger Content-Length is refused unread. */
  maxBodyBytes: number;
  /** Connections open at once, in total and from one source address. */
  maxConnections: number;
  maxConnectionsPerSource: number;
  /** New connections per second from one source address, and the burst above it. */
  ratePerSource: number;
  burstPerSource: number;
  /** TLS handshakes at once, and connections waiting for one (at most maxQueueWaitMs). */
  maxHandshakes: number;
  maxQueue: number;
  maxQueueWaitMs: number;
  /**
   * The TLS handshake must finish within handshakeTimeoutMs; then the request's headers within
   * headersTimeoutMs, and the whole request within requestTimeoutMs, both counted from the handshake.
   */
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_BOOTSTRAP_LIMITS: BootstrapLimits = {
  maxBodyBytes: 64 * 1024,
  maxConnections: 256,
  maxConnectionsPerSource: 16,
  ratePerSource: 5,
  burstPerSource: 20,
  maxHandshakes: 8,
  maxQueue: 128,
  maxQueueWaitMs: 5_000,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
};

/** What serving the endpoint needs. */
export interface BootstrapServeOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  tls: TlsMaterial;
  kube: KubeClient;
  namespace: string;
  tokens: TokenStore;
  ca: CertificateAuthority;
  /** host:port agents dial (put in the response and the Deployment). */
  parentAddress: string;
  serverName: string;
  agentImage: string;
  /**
   * Add-ons every new cluster needs before it is useful (a CNI such as Cilium, Istio ambient, the
   * Cluster API providers), as rendered manifests: they travel in the bootstrap payload, applied on
   * the node with its admin credentials, so nothing ever connects into the child and the agent
   * keeps its least-privilege policy.
   */
  addons?: readonly KubeObject[];
  limits?: Partial<BootstrapLimits>;
  log: Logger;
}

/** A running endpoint. */
export interface ServedBootstrap {
  readonly port: number;
  rotate(tls: TlsMaterial): void;
  stop(): Promise<void>;
}

/** The one answer to every refusal. */
export const REFUSED: BootstrapError = {
  error: "refused",
  message: "bootstrap refused: the token, the cluster name or the request is not acceptable (ask for a new token)",
};
const UNAVAILABLE: BootstrapError = {
  error: "unavailable",
  message: "the cell cannot complete the bootstrap now; retry later",
};

/** A socket with its current deadline (headers, then the whole request). */
const DEADLINE = Symbol("lattice.bootstrap.deadline");
const SECURE_AT = Symbol("lattice.bootstrap.secureAt");
type Deadlined = Socket & { [DEADLINE]?: NodeJS.Timeout; [SECURE_AT]?: number };

/** Refusals logged one by one per 10 s; the rest are counted in the summary line. */
const REFUSALS_LOGGED_PER_WINDOW = 20;

/** A refusal with its cause (logged, never answered). */
class Refusal extends Error {}

/** A token refusal becomes a Refusal naming its cause; anything else stays a failure. */
function asRefusal(e: unknown): never {
  if (e instanceof TokenError) throw new Refusal(`token-${e.code}`);
  throw e;
}

/** Serve the endpoint on host:port (0 picks a port) in this thread. */
export async function serveBootstrap(o: BootstrapServeOptions): Promise<ServedBootstrap> {
  const lim = { ...DEFAULT_BOOTSTRAP_LIMITS, ...o.limits };
  const server = https.createServer(
    {
      ...serverTlsOptions(o.tls, false),
      handshakeTimeout: lim.handshakeTimeoutMs,
      keepAliveTimeout: 1000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      // The headers are in: the whole request has requestTimeoutMs from the handshake.
      const socket = req.socket as Deadlined;
      clearTimeout(socket[DEADLINE]);
      const left = (socket[SECURE_AT] ?? Date.now()) + lim.requestTimeoutMs - Date.now();
      socket[DEADLINE] = setTimeout(() => socket.destroy(), Math.max(0, left));
      res.once("finish", () => clearTimeout(socket[DEADLINE]));
      void handle(o, lim, req, res, count);
    },
  );
  // Node's own headersTimeout/requestTimeout are checked only by a server that listened itself;
  // this one gets its sockets from the front door. So each connection gets its deadline here:
  // complete headers within headersTimeoutMs of the handshake, then the rest (above).
  server.on("secureConnection", (socket: Deadlined) => {
    socket[SECURE_AT] = Date.now();
    socket[DEADLINE] = setTimeout(() => socket.destroy(), lim.headersTimeoutMs);
    socket.once("close", () => clearTimeout(socket[DEADLINE]));
  });
  server.timeout = lim.requestTimeoutMs; // an idle socket, whatever state it is in
  server.on("tlsClientError", () => count("tls-handshake"));
  server.on("clientError", (_e, socket) => {
    count("bad-http");
    socket.destroy();
  });
  const door = new FrontDoor(server, {
    host: o.host,
    port: o.port,
    reusePort: o.reusePort ?? false,
    maxConnections: lim.maxConnections,
    maxHandshakes: lim.maxHandshakes,
    maxQueue: lim.maxQueue,
    maxQueueWaitMs: lim.maxQueueWaitMs,
    perSource: {
      maxConnections: lim.maxConnectionsPerSource,
      ratePerSecond: lim.ratePerSource,
      burst: lim.burstPerSource,
    },
  });
  // The first refusals of every 10 s are logged one by one with their cause; past that they are
  // counted and logged as one summary line (a flood must not become a flood of log lines).
  const refusals = new Map<string, number>();
  let logged = 0;
  function count(reason: string, fields?: Record<string, unknown>): void {
    if (fields && logged < REFUSALS_LOGGED_PER_WINDOW) {
      logged++;
      o.log.warn("bootstrap refused", { ...fields, reason });
      return;
    }
    const key = reason.replace(/ \(.*$/, ""); // the cause without its details
    refusals.set(key, (refusals.get(key) ?? 0) + 1);
  }
  let lastRefused = door.stats().refused;
  const summary = setInterval(() => {
    const now = door.stats().refused;
    const atDoor = Object.fromEntries(
      Object.entries(now)
        .map(([k, v]) => [`door-${k}`, v - lastRefused[k as keyof typeof now]] as const)
        .filter(([, v]) => v > 0),
    );
    lastRefused = now;
    logged = 0;
    if (refusals.size === 0 && Object.keys(atDoor).length === 0) return;
    o.log.warn("bootstrap refusals", { ...Object.fromEntries(refusals), ...atDoor });
    refusals.clear();
  }, 10_000);
  summary.unref();
  const port = await door.listen();
  return {
    port,
    rotate: (m) => server.setSecureContext(serverTlsOptions(m, false)),
    async stop() {
      clearInterval(summary);
      const closing = door.close();
      server.closeAllConnections();
      await closing;
    },
  };
}

async function handle(
  o: BootstrapServeOptions,
  lim: BootstrapLimits,
  req: IncomingMessage,
  res: ServerResponse,
  count: (reason: string, fields?: Record<string, unknown>) => void,
): Promise<void> {
  const peer = req.socket.remoteAddress ?? "";
  let cluster = "";
  try {
    if (req.url === "/healthz" && req.method === "GET") return send(res, 200, { ok: true });
    if (req.url !== BOOTSTRAP_PATH || req.method !== "POST") throw new Refusal("not-found");
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) throw new Refusal("media-type");
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ")) throw new Refusal("missing-token");
    const token = auth.slice("Bearer ".length).trim();
    const body = (await readJson(req, lim.maxBodyBytes)) as Partial<BootstrapRequest>;
    if (typeof body.cluster !== "string" || typeof body.csr !== "string") throw new Refusal("bad-request");
    try {
      cluster = assertClusterName(body.cluster);
    } catch {
      throw new Refusal("bad-cluster");
    }
    const csr = await checkAgentCsr(body.csr, cluster).catch((e: unknown) => {
      throw new Refusal(`bad-csr (${(e as Error).message})`);
    });
    const claim = await o.tokens.inspect(token, cluster).catch(asRefusal);
    const link = await o.kube.getOrUndefined<ClusterLink>({
      apiVersion: LINK_API_VERSION,
      kind: "ClusterLink",
      namespace: o.namespace,
      name: cluster,
    });
    await o.tokens.consume(claim).catch(asRefusal);
    const cert = await o.ca.issueAgent(csr.publicKey, cluster, undefined, notBeforeFloor(link));
    const response: BootstrapResponse = {
      apiVersion: "v1",
      kind: "List",
      items: [
        ...renderAgentManifests({
          namespace: AGENT_NAMESPACE,
          capiNamespace: claim.capiNamespace,
          image: o.agentImage,
          parentAddress: o.parentAddress,
        }),
        renderIdentitySecret(AGENT_NAMESPACE, {
          cluster,
          capiNamespace: claim.capiNamespace,
          certificate: cert.pem,
          caBundle: o.ca.certPem,
          parentAddress: o.parentAddress,
          serverName: o.serverName,
        }),
        ...(o.addons ?? []),
      ],
    };
    o.log.info("bootstrap token redeemed", {
      cluster,
      peer,
      serial: cert.serial,
      notAfter: cert.notAfter.toISOString(),
    });
    send(res, 200, response);
  } catch (e) {
    if (e instanceof Refusal) {
      count(e.message, { cluster, peer });
      refuse(req, res, 403, REFUSED);
      return;
    }
    o.log.error("bootstrap failed", { cluster, peer, error: e as Error });
    refuse(req, res, 503, UNAVAILABLE);
  }
}

/** Answer and close the connection: whatever of the body was not read is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: BootstrapError): void {
  if (res.headersSent) return void req.socket.destroy();
  res.shouldKeepAlive = false;
  res.once("finish", () => req.socket.destroy());
  send(res, status, body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The JSON body; Refusal without reading past `max` bytes (a larger Content-Length: none read). */
function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && !(Number(declared) <= max)) return Promise.reject(new Refusal("too-large"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        reject(new Refusal("too-large"));
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => {
      if (size > max) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new Refusal("not-json"));
      }
    });
    req.on("error", reject);
  });
}
