// AWSCluster (infrastructure.cluster.x-k8s.io/v1beta2, CAPA v2.13): the VPC, subnets, security
// groups and API load balancer CAPA creates, and the identity it creates them with.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface AwsIngressRule {
  description: string;
  protocol: "tcp" | "udp";
  fromPort: number;
  toPort: number;
  sourceSecurityGroupRoles: ("bastion" | "node" | "controlplane" | "apiserver-lb" | "lb")[];
}

export interface AwsClusterSpec {
  region: string;
  sshKeyName: string;
  identityRef: { kind: "AWSClusterStaticIdentity"; name: string };
  network?: { additionalControlPlaneIngressRules: AwsIngressRule[] };
}

export interface AwsCluster extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2";
  kind: "AWSCluster";
  metadata: NamespacedMeta;
  spec: AwsClusterSpec;
}

/** An AWSCluster. */
export function awsCluster(metadata: NamespacedMeta, spec: AwsClusterSpec): AwsCluster {
  return { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2", kind: "AWSCluster", metadata, spec };
}
