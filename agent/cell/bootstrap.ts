// The bootstrap endpoint: HTTPS (server-authenticated; the node trusts the cell CA it was given with
// the token), one route. Redemption, in an order that never burns a token on a bad request:
//
//   token well-formed? → record exists, unused, unexpired, bound to this cluster? (TokenStore.inspect)
//   → CSR parses, proves its key, names the cluster? (checkAgentCsr)
//   → mark the token used with a compare-and-swap (TokenStore.consume; a concurrent redeemer loses)
//   → sign the CSR as the cluster's identity → answer with a v1 List the node applies as is:
//     namespaces, RBAC, Deployment and the identity Secret (certificate, CA, address — no key).
//
// Refusals are JSON with a code and a message and are logged with the reason, the cluster and the
// peer address — never the token.
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log";
import {
  BOOTSTRAP_PATH,
  type BootstrapError,
  type BootstrapRequest,
  type BootstrapResponse,
} from "../api/bootstrap-wire";
import { AGENT_NAMESPACE } from "../api/child";
import { renderIdentitySecret } from "../deploy/identity-secret";
import { renderAgentManifests } from "../deploy/manifests";
import type { CertificateAuthority } from "../pki/ca";
import { checkAgentCsr, CsrError } from "../pki/csr";
import { assertClusterName, IdentityError } from "../protocol/identity";
import { serverTlsOptions, type TlsMaterial } from "../protocol/tls";
import { TokenError } from "../tokens/errors";
import type { KubeObject } from "../../core/k8s/object";
import type { TokenStore } from "../tokens/store";

/** Largest request body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

/** What the endpoint needs. */
export interface BootstrapOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
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
  log: Logger;
}

/** A running bootstrap endpoint. */
export interface BootstrapServer {
  readonly port: number;
  /** Swap in a renewed serving certificate. */
  rotate(tls: TlsMaterial): void;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Start the endpoint on host:port (0 picks a port). */
export async function startBootstrapServer(o: BootstrapOptions): Promise<BootstrapServer> {
  const server = https.createServer(
    { ...serverTlsOptions(o.tls, false), requestTimeout: 15_000, headersTimeout: 10_000 },
    (req, res) => {
      void handle(o, req, res);
    },
  );
  server.on("tlsClientError", (e) => o.log.debug("bootstrap TLS handshake refused", { error: e }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    rotate: (m) => server.setSecureContext(serverTlsOptions(m, false)),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(o: BootstrapOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const peer = req.socket.remoteAddress ?? "";
  let cluster = "";
  try {
    if (req.url === "/healthz" && req.method === "GET") return send(res, 200, { ok: true });
    if (req.url !== BOOTSTRAP_PATH) throw new HttpError(404, "not-found", `no route ${req.method} ${req.url}`);
    if (req.method !== "POST") throw new HttpError(405, "method-not-allowed", "use POST");
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? ""))
      throw new HttpError(415, "unsupported-media-type", "send application/json");
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer "))
      throw new HttpError(401, "missing-token", "send the bootstrap token as Authorization: Bearer <token>");
    const token = auth.slice("Bearer ".length).trim();
    const body = (await readJson(req)) as Partial<BootstrapRequest>;
    if (typeof body.cluster !== "string" || typeof body.csr !== "string")
      throw new HttpError(400, "bad-request", 'body must be {"cluster": string, "csr": string}');
    cluster = assertClusterName(body.cluster);

    const claim = await o.tokens.inspect(token, cluster);
    const csr = await checkAgentCsr(body.csr, cluster);
    await o.tokens.consume(claim);
    const cert = await o.ca.issueAgent(csr.publicKey, cluster);
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
    const err = toHttpError(e);
    if (err.status >= 500) o.log.error("bootstrap failed", { cluster, peer, error: e as Error });
    else o.log.warn("bootstrap refused", { cluster, peer, status: err.status, reason: err.code, message: err.message });
    const body: BootstrapError = { error: err.code, message: err.message };
    send(res, err.status, body);
  }
}

function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof TokenError) return new HttpError(e.httpStatus, `token-${e.code}`, e.message);
  if (e instanceof CsrError) return new HttpError(400, "bad-csr", e.message);
  if (e instanceof IdentityError) return new HttpError(400, "bad-cluster", e.message);
  return new HttpError(500, "internal", "the cell could not complete the bootstrap; retry later");
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

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // Answer 413 and drain the rest unread (destroying the socket would lose the answer).
        reject(new HttpError(413, "too-large", `request body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new HttpError(400, "bad-request", "body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}
