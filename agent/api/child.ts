// What the link keeps in each child cluster, by name. The agent's RBAC grants access to exactly
// these objects (agent/deploy/rbac.ts).

/** The agent's namespace in the child. */
export const AGENT_NAMESPACE = "lattice-system";
/** The agent's ServiceAccount, Roles and Deployment. */
export const AGENT_NAME = "lattice-agent";
/**
 * The agent's identity (Opaque): tls.crt, ca.crt, how to reach the parent (parent-address,
 * server-name) and what it is (cluster, capi-namespace). The cell returns it in the bootstrap List.
 */
export const IDENTITY_SECRET_NAME = "lattice-agent-identity";
/**
 * The agent's private key (Opaque, tls.key), made on the node and never sent: the node writes it
 * next to what the cell returned (core/cluster/link-contract.ts AGENT_KEY_SECRET). On renewal the
 * agent writes the new pair here at once (tls.key + tls.crt), so key and certificate never diverge.
 */
export const KEY_SECRET_NAME = "lattice-agent-key";
/** The agent's journal of finished commands (so none runs twice, even across agent restarts). */
export const JOURNAL_CONFIGMAP_NAME = "lattice-agent-journal";
/** Field manager of everything the agent writes in the child. */
export const AGENT_FIELD_MANAGER = "lattice-agent";
