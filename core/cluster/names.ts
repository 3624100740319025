// Names and labels of everything a LatticeCluster compiles to. Every name derives from the cluster's
// name (and, for templates, from their content), so compiling twice gives the same names and two
// clusters never collide. Names that Cluster API copies into label values stay within 63 characters.
import { LABELS, MANAGED_BY } from "../compile/identity";
import type { StringMap } from "../k8s/object";

/** The label naming the LatticeCluster that owns an object (with managed-by and lattice.dev/namespace). */
export const CLUSTER_LABEL = "lattice.dev/cluster";
/** Node label naming a worker's pool. */
export const POOL_LABEL = "lattice.dev/pool";
/**
 * Annotation on the object that references cloud credentials whose API cannot say where they are
 * (AWSClusterStaticIdentity, OpenStackCluster): the Secret the LatticeCluster named, "ns/name" or
 * "name", for the provisioning provider that copies it where the controller reads it.
 */
export const CREDENTIALS_SOURCE_ANNOTATION = "lattice.dev/credentials-secret";

/** "namespace/name", or "name" when the reference has no namespace. */
export function credentialsSource(ref: { readonly name: string; readonly namespace?: string | undefined }): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** Cluster API's labels, used in MachineDeployment selectors. */
export const CAPI_CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
export const CAPI_DEPLOYMENT_NAME_LABEL = "cluster.x-k8s.io/deployment-name";

/** Ownership labels on every object compiled from a LatticeCluster. */
export function clusterOwnershipLabels(namespace: string, cluster: string): StringMap {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.namespace]: namespace, [CLUSTER_LABEL]: cluster };
}

/**
 * FNV-1a (64-bit) of a string as 16 hex digits. Not a security hash: it only makes names unique per
 * content (template names) and per long name (truncation). Pure JS so core stays free of node:*.
 */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(s);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** A short content hash: 8 hex digits of fnv1a64 over the JSON of `value`. */
export function contentHash(value: unknown): string {
  return fnv1a64(JSON.stringify(value)).slice(0, 8);
}

/**
 * `parts` joined with "-", at most `max` characters: a longer name keeps its head and ends with
 * "-" and 8 hex digits of the full name's hash, so two long names stay distinct.
 */
export function boundedName(parts: readonly string[], max = 63): string {
  const full = parts.join("-");
  if (full.length <= max) return full;
  const suffix = "-" + fnv1a64(full).slice(0, 8);
  return full.slice(0, max - suffix.length).replace(/[-.]+$/, "") + suffix;
}

/** Names of the Cluster API objects of cluster `c`. */
export const names = {
  /** Cluster and infrastructure cluster (DockerCluster, AWSCluster, …): the LatticeCluster's name. */
  cluster: (c: string): string => c,
  /** KubeadmControlPlane / RKE2ControlPlane (also a label value on control-plane Machines). */
  controlPlane: (c: string): string => boundedName([c, "control-plane"]),
  /**
   * The control plane's machine template, named after its content (templates are immutable). The
   * role is hashed with the content, so a worker pool called "control-plane" with the same machine
   * shape still gets a different name.
   */
  controlPlaneTemplate: (c: string, content: unknown): string =>
    boundedName([c, "control-plane", contentHash({ controlPlane: content })]),
  /** A worker pool's MachineDeployment (also a label value on its Machines). */
  machineDeployment: (c: string, pool: string): string => boundedName([c, pool]),
  /** A worker pool's machine or bootstrap template, named after its pool and content. */
  poolTemplate: (c: string, pool: string, content: unknown): string =>
    boundedName([c, pool, contentHash({ pool, content })]),
  /** AWSClusterStaticIdentity: cluster-scoped, so the namespace is part of the name. */
  awsIdentity: (namespace: string, c: string): string => boundedName(["lattice", namespace, c], 253),
} as const;
