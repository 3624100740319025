// What an infrastructure provider (docker.ts, proxmox.ts, aws.ts, openstack.ts) hands the bootstrap
// providers (kubeadm.ts, rke2.ts): its objects, its machine templates and what its nodes need from
// the bootstrap config. infra.ts picks the provider; the bootstrap modules turn the plan into a
// control plane and worker configs.
import type { BootstrapFile, KubeadmArg, Rke2RegistrationMethod } from "../k8s/builders";
import type { KubeObject } from "../k8s/object";

/** What nodes of this infrastructure need from their bootstrap config. */
export interface NodeSetup {
  /** kubelet flags on every node (provider-id …), in the bootstrap's own form. */
  readonly kubeletArgs: readonly KubeadmArg[];
  /** kubeadm's nodeRegistration.name (a cloud-init template), when the provider needs one. */
  readonly nodeName?: string;
  /** Extra names on the API server's certificate. */
  readonly apiServerSANs: readonly string[];
  /** Control-plane-only files and commands (kube-vip on Proxmox). */
  readonly controlPlaneFiles: readonly BootstrapFile[];
  readonly controlPlanePreCommands: readonly string[];
  readonly controlPlanePostCommands: readonly string[];
  /** SSH keys for root on every node (Proxmox; the clouds inject keys by name instead). */
  readonly sshAuthorizedKeys: readonly string[];
  /** How RKE2 nodes find a server to register with. */
  readonly rke2Registration: Rke2RegistrationMethod;
}

/** One infrastructure provider's part of a cluster. */
export interface InfraPlan {
  /** DockerCluster / ProxmoxCluster / AWSCluster / OpenStackCluster (Cluster.spec.infrastructureRef). */
  readonly infraCluster: KubeObject;
  /** Further objects (AWSClusterStaticIdentity). */
  readonly extra: readonly KubeObject[];
  /** The control plane's machine template. */
  readonly controlPlaneTemplate: KubeObject;
  /** One machine template per worker pool, in ctx.pools order. */
  readonly workerTemplates: readonly KubeObject[];
  readonly node: NodeSetup;
}

/** A NodeSetup with nothing in it, for providers to spread over. */
export const EMPTY_NODE_SETUP: NodeSetup = {
  kubeletArgs: [],
  apiServerSANs: [],
  controlPlaneFiles: [],
  controlPlanePreCommands: [],
  controlPlanePostCommands: [],
  sshAuthorizedKeys: [],
  rke2Registration: "internal-first",
};
