// RKE2ConfigTemplate (bootstrap.cluster.x-k8s.io/v1beta2): how a worker pool's RKE2 agents join.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";
import type { Rke2ConfigSpec } from "./rke2-control-plane";

export interface Rke2ConfigTemplate extends KubeObject {
  apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2";
  kind: "RKE2ConfigTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: Rke2ConfigSpec } };
}

/** An RKE2ConfigTemplate. */
export function rke2ConfigTemplate(metadata: NamespacedMeta, spec: Rke2ConfigSpec): Rke2ConfigTemplate {
  return {
    apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2",
    kind: "RKE2ConfigTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
