// Shapes shared by the Cluster API builders. v1beta2 references name a group and kind, never a
// version: Cluster API reads the version from the CRD's contract label (cluster.x-k8s.io/v1beta2).

/** A v1beta2 contract reference (Cluster.spec.infrastructureRef, MachineDeployment refs, …). */
export interface ContractRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** A host and port (control-plane endpoints). */
export interface ApiEndpoint {
  host: string;
  port: number;
}

/**
 * A file written onto a node by the bootstrap provider (KubeadmConfigSpec.files and
 * RKE2ConfigSpec.files share this shape). Exactly one of content and contentFrom is set;
 * contentFrom keeps a value (a bootstrap token) out of the manifest: the bootstrap provider reads
 * it from a Secret in the machine's namespace when it renders the node's user data.
 */
export interface BootstrapFile {
  path: string;
  owner?: string;
  permissions?: string;
  content?: string;
  contentFrom?: { secret: { name: string; key: string } };
}

/** The group of every infrastructure provider's kinds. */
export const INFRASTRUCTURE_GROUP = "infrastructure.cluster.x-k8s.io";
/** The group of control-plane providers (kubeadm, RKE2). */
export const CONTROL_PLANE_GROUP = "controlplane.cluster.x-k8s.io";
/** The group of bootstrap providers (kubeadm, RKE2). */
export const BOOTSTRAP_GROUP = "bootstrap.cluster.x-k8s.io";
/** Cluster API core. */
export const CLUSTER_GROUP = "cluster.x-k8s.io";

/** The reference to an object built here, for another object's *Ref field. */
export function contractRefOf(obj: { apiVersion: string; kind: string; metadata: { name: string } }): ContractRef {
  const slash = obj.apiVersion.indexOf("/");
  return { apiGroup: slash < 0 ? "" : obj.apiVersion.slice(0, slash), kind: obj.kind, name: obj.metadata.name };
}
