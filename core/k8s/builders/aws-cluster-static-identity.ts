// AWSClusterStaticIdentity (infrastructure.cluster.x-k8s.io/v1beta2, cluster-scoped): static AWS
// credentials from a Secret in CAPA's own namespace, usable only from the listed namespaces.
import type { KubeObject } from "../object";
import type { ClusterMeta } from "./meta";

export interface AwsClusterStaticIdentitySpec {
  /** A Secret in the CAPA controller's namespace with AccessKeyID and SecretAccessKey. */
  secretRef: string;
  allowedNamespaces: { list: string[] };
}

export interface AwsClusterStaticIdentity extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2";
  kind: "AWSClusterStaticIdentity";
  metadata: ClusterMeta;
  spec: AwsClusterStaticIdentitySpec;
}

/** An AWSClusterStaticIdentity. */
export function awsClusterStaticIdentity(
  metadata: ClusterMeta,
  spec: AwsClusterStaticIdentitySpec,
): AwsClusterStaticIdentity {
  return { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2", kind: "AWSClusterStaticIdentity", metadata, spec };
}
