// OpenStackCluster (infrastructure.cluster.x-k8s.io/v1beta1, CAPO v0.12–v0.14): an existing
// network, the external network for floating IPs, a managed API load balancer and managed
// security groups, reconciled with the credentials of a clouds.yaml Secret.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

/** A Neutron/Glance resource by UUID or by name. */
export type OpenStackParam = { id: string } | { filter: { name: string } };

export interface OpenStackIdentityRef {
  /** A Secret in the cluster's namespace with a clouds.yaml key. */
  name: string;
  cloudName: string;
}

export interface OpenStackClusterSpec {
  identityRef: OpenStackIdentityRef;
  network: OpenStackParam;
  externalNetwork: OpenStackParam;
  apiServerLoadBalancer: { enabled: boolean };
  /** allowAllInClusterTraffic: node-to-node traffic (CNI, RKE2's 9345) is not Lattice's to enumerate. */
  managedSecurityGroups: { allowAllInClusterTraffic: boolean };
}

export interface OpenStackCluster extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1";
  kind: "OpenStackCluster";
  metadata: NamespacedMeta;
  spec: OpenStackClusterSpec;
}

/** An OpenStackCluster. */
export function openStackCluster(metadata: NamespacedMeta, spec: OpenStackClusterSpec): OpenStackCluster {
  return { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "OpenStackCluster", metadata, spec };
}
