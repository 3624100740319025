// DockerCluster (infrastructure.cluster.x-k8s.io/v1beta2, CAPD from sigs.k8s.io/cluster-api/test):
// containers as machines, for development. CAPD runs the load balancer; nothing to configure.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface DockerCluster extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2";
  kind: "DockerCluster";
  metadata: NamespacedMeta;
  spec: Record<string, never>;
}

/** A DockerCluster with CAPD's defaults. */
export function dockerCluster(metadata: NamespacedMeta): DockerCluster {
  return { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2", kind: "DockerCluster", metadata, spec: {} };
}
