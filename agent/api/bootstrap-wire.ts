// The bootstrap exchange (HTTPS, JSON), shared by the cell's endpoint and the agent's client:
//
//   POST /v1/bootstrap
//   Authorization: Bearer <one-time token>
//   {"cluster": "c1", "csr": "-----BEGIN CERTIFICATE REQUEST-----..."}
//
//   200 BootstrapResponse                 — the token is now used
//   400/401/403/409/413/415 BootstrapError — {"error": code, "message": why}
import type { KubeObject } from "../../core/k8s/object";

export const BOOTSTRAP_PATH = "/v1/bootstrap";

/** What a new control-plane node sends. */
export interface BootstrapRequest {
  cluster: string;
  /** PKCS#10 PEM for a key generated on the node. */
  csr: string;
}

/**
 * What it gets back: a v1 List the node applies as is (core/cluster/link-contract.ts) — namespaces,
 * RBAC, the Deployment and the identity Secret (certificate, CA, the parent's address; no key).
 */
export interface BootstrapResponse {
  apiVersion: "v1";
  kind: "List";
  items: KubeObject[];
}

/** An error answer. */
export interface BootstrapError {
  error: string;
  message: string;
}
