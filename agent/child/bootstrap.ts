// Bootstrap from a new control-plane node, as the node's script does it (core/cluster/link-contract.ts)
// but in TypeScript: make a key (it never leaves the node), redeem the one-time token with a CSR at
// the cell's bootstrap endpoint, apply the v1 List the cell returns (namespaces, RBAC, Deployment,
// identity Secret) and write the key into Secret lattice-agent-key next to it.
import * as https from "node:https";
import type { KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import {
  BOOTSTRAP_PATH,
  type BootstrapError,
  type BootstrapRequest,
  type BootstrapResponse,
} from "../api/bootstrap-wire";
import { generateKeyPair, privateKeyPem } from "../pki/crypto";
import { createAgentCsr } from "../pki/csr";
import { checkCellCertificate, CELL_SERVER_NAME } from "../protocol/identity";
import { FIPS_TLS } from "../protocol/tls";
import { AGENT_NAMESPACE, IDENTITY_SECRET_NAME } from "../api/child";
import type { SecretObject } from "../api/types";
import { readIdentitySecret, type IdentityFields } from "../deploy/identity-secret";
import { keySecret } from "./identity";

/** The endpoint refused the redemption; `code` is the endpoint's (e.g. token-used). */
export class BootstrapRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`bootstrap refused (${status} ${code}): ${message}`);
    this.name = "BootstrapRefused";
  }
}

/** How to reach the endpoint and what to present. */
export interface RedeemOptions {
  /** https://host:port of the bootstrap endpoint. */
  url: string;
  /** PEM of the cell CA (handed over with the token). */
  caPem: string;
  serverName?: string;
  token: string;
  cluster: string;
  timeoutMs?: number;
}

/** A redeemed token: the List to apply, what its identity Secret says, and the private key. */
export interface Redeemed {
  response: BootstrapResponse;
  identity: IdentityFields;
  keyPem: string;
}

/** Redeem a token: new key, CSR, POST. BootstrapRefused when the cell says no. */
export async function redeemBootstrapToken(o: RedeemOptions): Promise<Redeemed> {
  const keys = await generateKeyPair("P-256");
  const body: BootstrapRequest = { cluster: o.cluster, csr: await createAgentCsr(o.cluster, keys) };
  const serverName = o.serverName ?? CELL_SERVER_NAME;
  const url = new URL(BOOTSTRAP_PATH, o.url);
  const payload = JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        ...FIPS_TLS,
        ca: o.caPem,
        servername: serverName,
        checkServerIdentity: (_host, cert) => checkCellCertificate(cert, serverName),
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${o.token}`,
          "content-length": Buffer.byteLength(payload),
        },
        timeout: o.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`bootstrap endpoint ${url.origin} did not answer in time`)));
    req.on("error", reject);
    req.end(payload);
  });
  if (status !== 200) {
    let err: Partial<BootstrapError> = {};
    try {
      err = JSON.parse(text) as BootstrapError;
    } catch {
      // not JSON: report the status alone
    }
    throw new BootstrapRefused(status, err.error ?? "unknown", err.message ?? text.slice(0, 200));
  }
  const response = JSON.parse(text) as BootstrapResponse;
  const idSecret = response.items?.find((o) => o.kind === "Secret" && o.metadata.name === IDENTITY_SECRET_NAME);
  if (response.kind !== "List" || !idSecret)
    throw new BootstrapRefused(status, "bad-response", `the answer is not a List with Secret ${IDENTITY_SECRET_NAME}`);
  return {
    response,
    identity: readIdentitySecret(idSecret as SecretObject),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}

/**
 * Apply what the cell returned (with applyManifests false: only the namespace and the identity
 * Secret, for an agent run elsewhere, e.g. as a process in tests) and the key Secret; server-side
 * apply with field manager lattice-bootstrap.
 */
export async function installAgent(
  kube: KubeClient,
  r: Redeemed,
  opts: { applyManifests: boolean },
): Promise<KubeObject[]> {
  const written: KubeObject[] = [];
  const items = opts.applyManifests
    ? r.response.items
    : r.response.items.filter(
        (o) =>
          (o.kind === "Namespace" && o.metadata.name === AGENT_NAMESPACE) ||
          (o.kind === "Secret" && o.metadata.name === IDENTITY_SECRET_NAME),
      );
  for (const o of [...items, keySecret(AGENT_NAMESPACE, r.keyPem)])
    written.push(await kube.apply(o, { fieldManager: "lattice-bootstrap" }));
  return written;
}
