// What the agent lets the parent do to its cluster. This table is the whole policy; the child's RBAC
// (agent/deploy/rbac.ts) is rendered from the same constants, so the two cannot drift, and RBAC
// enforces it a second time should this code ever be wrong.
//
// Allowed, in the cluster's Cluster API namespace only:
//   - objects of the Cluster API groups (the *.cluster.x-k8s.io groups listed below);
//   - Secrets labelled cluster.x-k8s.io/cluster-name=<this cluster> (the cluster's own Secrets).
// Nothing else: no workloads, no RBAC, no cluster-scoped objects, and no deletes at all.
import { CAPI_CLUSTER_NAME_LABEL } from "../api/types";

/**
 * The Cluster API groups (every `*.cluster.x-k8s.io` group of CAPI and its providers). RBAC cannot
 * wildcard a group suffix, so the list is explicit; add a group here and the RBAC follows.
 */
export const CAPI_API_GROUPS = [
  "cluster.x-k8s.io",
  "addons.cluster.x-k8s.io",
  "bootstrap.cluster.x-k8s.io",
  "controlplane.cluster.x-k8s.io",
  "infrastructure.cluster.x-k8s.io",
  "ipam.cluster.x-k8s.io",
  "runtime.cluster.x-k8s.io",
  "clusterctl.cluster.x-k8s.io",
] as const;

/** Bounds on one command: a command is refused whole above them. */
export const MAX_OBJECTS_PER_COMMAND = 500;
export const MAX_COMMAND_BYTES = 8 * 1024 * 1024;

/** What the agent is allowed to touch. */
export interface LinkPolicy {
  /** This cluster (Secrets must be labelled with it). */
  cluster: string;
  /** The namespace of the cluster's Cluster API objects. */
  capiNamespace: string;
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

/** True for a Cluster API group. */
export function isCapiGroup(group: string): boolean {
  return (CAPI_API_GROUPS as readonly string[]).includes(group);
}

const deny = (reason: string): Decision => ({ allowed: false, reason });

/** May the parent apply or import this object into this cluster? */
export function decide(obj: unknown, policy: LinkPolicy): Decision {
  const o = (obj ?? {}) as ObjectLike;
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
    return deny("not a Kubernetes object (apiVersion, kind and metadata.name are required)");
  }
  const what = `${o.kind} ${String(o.metadata.namespace ?? "")}/${o.metadata.name}`;
  if (o.metadata.namespace !== policy.capiNamespace) {
    return deny(`${what}: only objects in the cluster's Cluster API namespace "${policy.capiNamespace}" are allowed`);
  }
  const group = groupOf(o.apiVersion);
  if (isCapiGroup(group)) return { allowed: true };
  if (group === "" && o.kind === "Secret") {
    const owner = o.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
    if (owner === policy.cluster) return { allowed: true };
    return deny(
      `${what}: only this cluster's own Secrets (labelled ${CAPI_CLUSTER_NAME_LABEL}=${policy.cluster}) are allowed`,
    );
  }
  return deny(
    `${what}: ${o.apiVersion} ${o.kind} is not allowed over the link (Cluster API objects and the cluster's own Secrets only)`,
  );
}
