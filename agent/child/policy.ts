// What the agent lets the parent do to its cluster. The kinds table (./capi-kinds.ts) and the rules
// below are the whole policy; the child's RBAC (agent/deploy/rbac.ts) is rendered from the same
// table, so the two cannot drift, and RBAC enforces it a second time should this code be wrong.
//
// Allowed, in the cluster's Cluster API namespace only (never the agent's own namespace):
//   - the Cluster API kinds of the table, each by the commands the table names;
//   - Secrets labelled cluster.x-k8s.io/cluster-name=<this cluster> (the cluster's own Secrets) —
//     and, when a Secret of that name exists already, only if the LIVE one carries that label too
//     (decideLive: a label on the submitted object cannot take over someone else's Secret).
// Nothing else: no workloads, no RBAC, no cluster-scoped objects, and no deletes at all.
import { CAPI_CLUSTER_NAME_LABEL } from "../api/types";
import { capiKind, type WriteCommand } from "./capi-kinds";

export { CAPI_KINDS, capiGroups, type CapiKind, type WriteCommand } from "./capi-kinds";

/** Bounds on one command: a command is refused whole above them. */
export const MAX_OBJECTS_PER_COMMAND = 500;
export const MAX_COMMAND_BYTES = 8 * 1024 * 1024;

/** What the agent is allowed to touch. */
export interface LinkPolicy {
  /** This cluster (Secrets must be labelled with it). */
  cluster: string;
  /** The namespace of the cluster's Cluster API objects. */
  capiNamespace: string;
  /** The agent's own namespace (its identity, key and journal): never written over the link. */
  agentNamespace: string;
}

/** The verdict on one object. */
export type Decision = { allowed: true } | { allowed: false; reason: string };

interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> };
}

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

const deny = (reason: string): Decision => ({ allowed: false, reason });
const ALLOWED: Decision = { allowed: true };

/** Why the policy refuses everything, or undefined when its namespaces are sound. */
export function policyFault(policy: LinkPolicy): string | undefined {
  if (policy.capiNamespace === policy.agentNamespace)
    return (
      `the cluster's Cluster API namespace is "${policy.capiNamespace}", the agent's own namespace: nothing is ` +
      `written there over the link (its identity and key live there); issue a new token with another Cluster API namespace`
    );
  return undefined;
}

/** May the parent write this object into this cluster with `command`? */
export function decide(obj: unknown, policy: LinkPolicy, command: WriteCommand): Decision {
  const fault = policyFault(policy);
  if (fault) return deny(fault);
  const o = (obj ?? {}) as ObjectLike;
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
    return deny("not a Kubernetes object (apiVersion, kind and metadata.name are required)");
  }
  const what = `${o.kind} ${String(o.metadata.namespace ?? "")}/${o.metadata.name}`;
  if (o.metadata.namespace !== policy.capiNamespace) {
    return deny(`${what}: only objects in the cluster's Cluster API namespace "${policy.capiNamespace}" are allowed`);
  }
  const group = groupOf(o.apiVersion);
  if (group === "" && o.kind === "Secret") {
    const owner = o.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
    if (owner === policy.cluster) return ALLOWED;
    return deny(
      `${what}: only this cluster's own Secrets (labelled ${CAPI_CLUSTER_NAME_LABEL}=${policy.cluster}) are allowed`,
    );
  }
  const entry = capiKind(group, o.kind);
  if (!entry)
    return deny(
      `${what}: ${o.apiVersion} ${o.kind} is not allowed over the link ` +
        `(the cluster's own Cluster API kinds and Secrets only: agent/child/capi-kinds.ts)`,
    );
  if (!entry.commands.includes(command))
    return deny(`${what}: ${o.kind} is written only by ${entry.commands.join(", ")} over the link, not by ${command}`);
  return ALLOWED;
}

/**
 * May the parent write over `live`, the object as it is in the child now (undefined: absent)? A
 * Secret that exists without this cluster's label is someone else's: it is not overwritten, whatever
 * labels the submitted object carries.
 */
export function decideLive(live: ObjectLike | undefined, policy: LinkPolicy): Decision {
  if (!live || live.kind !== "Secret") return ALLOWED;
  const owner = live.metadata?.labels?.[CAPI_CLUSTER_NAME_LABEL];
  if (owner === policy.cluster) return ALLOWED;
  return deny(
    `Secret ${String(live.metadata?.namespace ?? "")}/${String(live.metadata?.name ?? "")} exists in the child without ` +
      `the label ${CAPI_CLUSTER_NAME_LABEL}=${policy.cluster}${owner ? ` (it is labelled for "${String(owner)}")` : ""}: ` +
      `it is not this cluster's and is left as it is`,
  );
}
