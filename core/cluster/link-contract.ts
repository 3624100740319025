// What the manifests, the node and the parent agree on for the parent link's first step. The
// provisioning provider creates the bootstrap Secret; the bootstrap provider (kubeadm/RKE2) copies
// its keys into files on control-plane nodes; the node's script (bootstrap-script.ts) redeems the
// token at the cell's bootstrap endpoint (agent/cell) and starts the agent.
//
//   parent: Secret <cluster>-lattice-bootstrap {token[, endpoint, ca.crt]}  (never in the manifests)
//      │  files[].contentFrom.secret
//      ▼
//   node:  /etc/lattice/{bootstrap-token, parent-endpoint, parent-ca.crt, bootstrap.sh}
//      │  POST <endpoint>/v1/bootstrap   Authorization: Bearer <token>   {"cluster","csr"}
//      ▼
//   cell:  200 → a v1 List of the agent's objects (namespace, RBAC, Deployment, the signed
//          certificate, the parent's address and CA) which the node applies, with the private key
//          (made on the node, never sent) in Secret lattice-system/lattice-agent-key.

/** Suffix of the bootstrap Secret's name (see bootstrapSecretName). */
export const BOOTSTRAP_SECRET_SUFFIX = "-lattice-bootstrap";

/**
 * The Secret (in the cluster's namespace in the parent) holding the one-time token. Keep it for
 * the cluster's lifetime: the bootstrap provider reads it again for every control-plane machine it
 * creates later (scale-up, rollout, remediation) and fails that machine if it is gone. Once the
 * cluster's agent has connected, the provider replaces the token by BOOTSTRAP_TOKEN_SPENT (the keys
 * stay, so Cluster API still renders node data): later nodes find the agent running and skip.
 */
export function bootstrapSecretName(cluster: string): string {
  return `${cluster}${BOOTSTRAP_SECRET_SUFFIX}`;
}

/**
 * What the bootstrap Secret's `token` holds once the agent has connected: not a token (a real one
 * starts "lt1."), so nothing raw stays in the parent. A node that reads it and finds no agent stops
 * and says that a fresh token is needed (the provider issues one on the next `up` of a cluster
 * whose agent never connected).
 */
export const BOOTSTRAP_TOKEN_SPENT = "spent";

/** Keys of the bootstrap Secret. `token` always; `endpoint` and `ca.crt` when the manifests were
 * compiled without ClusterCompileOptions.parent (then the node reads them from the Secret too). */
export const BOOTSTRAP_SECRET_KEYS = {
  token: "token",
  endpoint: "endpoint",
  caCert: "ca.crt",
} as const;

/** Files on a control-plane node. The token file is removed once the cell has answered. */
export const NODE_PATHS = {
  token: "/etc/lattice/bootstrap-token",
  endpoint: "/etc/lattice/parent-endpoint",
  caCert: "/etc/lattice/parent-ca.crt",
  script: "/etc/lattice/bootstrap.sh",
} as const;

/** The cell's redemption path, appended to the bootstrap URL. */
export const BOOTSTRAP_PATH = "/v1/bootstrap";

/** Where the agent runs in the child, and the Secret holding its private key (made on the node). */
export const AGENT_NAMESPACE = "lattice-system";
export const AGENT_KEY_SECRET = "lattice-agent-key";

/** The ConfigMap (kube-system) whose creation elects the one control-plane node that redeems. */
export const BOOTSTRAP_CLAIM_CONFIGMAP = "lattice-bootstrap-claim";

/** The request body the node sends (the token travels in the Authorization header). */
export interface BootstrapRequest {
  /** The cluster the token was issued for. */
  readonly cluster: string;
  /** PKCS#10, PEM: ECDSA P-256, SHA-256, subject CN=<cluster>, O=lattice:agents. */
  readonly csr: string;
}

/** What the node expects back on 200: a v1 List it applies with kubectl, as is. */
export interface BootstrapResponse {
  readonly apiVersion: "v1";
  readonly kind: "List";
  readonly items: readonly { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[];
}
