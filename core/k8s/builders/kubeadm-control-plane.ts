// KubeadmControlPlane (controlplane.cluster.x-k8s.io/v1beta2) and the KubeadmConfigSpec it shares
// with KubeadmConfigTemplate. v1beta2 follows kubeadm's v1beta4 API: extra args are lists of
// {name, value}, and the infrastructure reference sits under machineTemplate.spec.
import type { KubeObject } from "../object";
import type { BootstrapFile, ContractRef } from "./capi-shared";
import type { NamespacedMeta } from "./meta";

/** A kubelet (or component) flag without its leading dashes. */
export interface KubeadmArg {
  name: string;
  value: string;
}

export interface NodeRegistration {
  name?: string;
  kubeletExtraArgs?: KubeadmArg[];
}

export interface KubeadmUser {
  name: string;
  sshAuthorizedKeys: string[];
}

/** The fields of KubeadmConfigSpec Lattice sets. Arrays are omitted rather than empty (minItems 1). */
export interface KubeadmConfigSpec {
  clusterConfiguration?: { apiServer?: { certSANs?: string[] } };
  initConfiguration?: { nodeRegistration: NodeRegistration };
  joinConfiguration?: { nodeRegistration: NodeRegistration };
  files?: BootstrapFile[];
  preKubeadmCommands?: string[];
  postKubeadmCommands?: string[];
  users?: KubeadmUser[];
}

export interface KubeadmControlPlaneSpec {
  replicas: number;
  version: string;
  machineTemplate: { spec: { infrastructureRef: ContractRef } };
  kubeadmConfigSpec: KubeadmConfigSpec;
}

export interface KubeadmControlPlane extends KubeObject {
  apiVersion: "controlplane.cluster.x-k8s.io/v1beta2";
  kind: "KubeadmControlPlane";
  metadata: NamespacedMeta;
  spec: KubeadmControlPlaneSpec;
}

/** A KubeadmControlPlane. */
export function kubeadmControlPlane(metadata: NamespacedMeta, spec: KubeadmControlPlaneSpec): KubeadmControlPlane {
  return { apiVersion: "controlplane.cluster.x-k8s.io/v1beta2", kind: "KubeadmControlPlane", metadata, spec };
}
