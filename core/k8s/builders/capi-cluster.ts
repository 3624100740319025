// Cluster (cluster.x-k8s.io/v1beta2): the root of a Cluster API cluster, pointing at its
// infrastructure cluster and its control plane.
import type { KubeObject } from "../object";
import type { ContractRef } from "./capi-shared";
import type { NamespacedMeta } from "./meta";

export interface ClusterNetwork {
  pods: { cidrBlocks: string[] };
  services: { cidrBlocks: string[] };
  serviceDomain: string;
}

export interface CapiClusterSpec {
  clusterNetwork: ClusterNetwork;
  controlPlaneRef: ContractRef;
  infrastructureRef: ContractRef;
}

export interface CapiCluster extends KubeObject {
  apiVersion: "cluster.x-k8s.io/v1beta2";
  kind: "Cluster";
  metadata: NamespacedMeta;
  spec: CapiClusterSpec;
}

/** A Cluster API Cluster. */
export function capiCluster(metadata: NamespacedMeta, spec: CapiClusterSpec): CapiCluster {
  return { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster", metadata, spec };
}
