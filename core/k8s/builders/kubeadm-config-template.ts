// KubeadmConfigTemplate (bootstrap.cluster.x-k8s.io/v1beta2): how a worker pool's nodes join.
import type { KubeObject } from "../object";
import type { KubeadmConfigSpec } from "./kubeadm-control-plane";
import type { NamespacedMeta } from "./meta";

export interface KubeadmConfigTemplate extends KubeObject {
  apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2";
  kind: "KubeadmConfigTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: KubeadmConfigSpec } };
}

/** A KubeadmConfigTemplate. */
export function kubeadmConfigTemplate(metadata: NamespacedMeta, spec: KubeadmConfigSpec): KubeadmConfigTemplate {
  return {
    apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2",
    kind: "KubeadmConfigTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
