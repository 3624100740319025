// RKE2ControlPlane (controlplane.cluster.x-k8s.io/v1beta2, rancher/cluster-api-provider-rke2) and
// the RKE2ConfigSpec it inlines (shared with RKE2ConfigTemplate). Field names follow the provider's
// Go types (controlplane/api/v1beta2, bootstrap/api/v1beta2); see docs/decisions.
import type { KubeObject, StringMap } from "../object";
import type { BootstrapFile, ContractRef } from "./capi-shared";
import type { NamespacedMeta } from "./meta";

/** RKE2AgentConfig: what agent and server nodes share. */
export interface Rke2AgentConfig {
  /** Kubelet flags as "name=value". */
  kubelet?: { extraArgs: string[] };
  /** Node labels as "key=value". */
  nodeLabels?: string[];
  /** Extra cloud-init modules, values as YAML text (ssh_authorized_keys). */
  additionalUserData?: { data: StringMap };
}

/** The fields of RKE2ConfigSpec Lattice sets. */
export interface Rke2ConfigSpec {
  files?: BootstrapFile[];
  preRKE2Commands?: string[];
  postRKE2Commands?: string[];
  agentConfig?: Rke2AgentConfig;
}

export type Rke2RegistrationMethod = "internal-first" | "control-plane-endpoint";

export interface Rke2ServerConfig {
  /** "none": Lattice installs the CNI (Cilium) itself, as it does on kubeadm clusters. */
  cni: "none" | "calico" | "canal" | "cilium";
  tlsSan?: string[];
}

export interface Rke2ControlPlaneSpec extends Rke2ConfigSpec {
  replicas: number;
  /** An RKE2 release, e.g. v1.32.4+rke2r1. */
  version: string;
  machineTemplate: { spec: { infrastructureRef: ContractRef } };
  serverConfig: Rke2ServerConfig;
  registrationMethod: Rke2RegistrationMethod;
  /** Required by the CRD (no omitempty); RollingUpdate with one surge machine. */
  rolloutStrategy: { type: "RollingUpdate"; rollingUpdate: { maxSurge: number } };
}

export interface Rke2ControlPlane extends KubeObject {
  apiVersion: "controlplane.cluster.x-k8s.io/v1beta2";
  kind: "RKE2ControlPlane";
  metadata: NamespacedMeta;
  spec: Rke2ControlPlaneSpec;
}

/** An RKE2ControlPlane. */
export function rke2ControlPlane(metadata: NamespacedMeta, spec: Rke2ControlPlaneSpec): Rke2ControlPlane {
  return { apiVersion: "controlplane.cluster.x-k8s.io/v1beta2", kind: "RKE2ControlPlane", metadata, spec };
}
