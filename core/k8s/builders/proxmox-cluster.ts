// ProxmoxCluster (infrastructure.cluster.x-k8s.io/v1alpha2, ionos-cloud CAPMOX): the control-plane
// address (a VIP that kube-vip holds), the node address pool (CAPMOX turns ipv4Config/ipv6Config
// into an InClusterIPPool of the in-cluster IPAM provider) and the Proxmox API credentials.
import type { KubeObject } from "../object";
import type { ApiEndpoint } from "./capi-shared";
import type { NamespacedMeta } from "./meta";

export interface ProxmoxIpConfig {
  /** Addresses, ranges ("a-b") or CIDRs. */
  addresses: string[];
  prefix: number;
  gateway: string;
}

export interface ProxmoxClusterSpec {
  controlPlaneEndpoint: ApiEndpoint;
  allowedNodes?: string[];
  ipv4Config?: ProxmoxIpConfig;
  ipv6Config?: ProxmoxIpConfig;
  dnsServers: string[];
  /** A Secret with url, token and secret (the Proxmox API token). */
  credentialsRef: { name: string; namespace?: string };
}

export interface ProxmoxCluster extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1alpha2";
  kind: "ProxmoxCluster";
  metadata: NamespacedMeta;
  spec: ProxmoxClusterSpec;
}

/** A ProxmoxCluster. */
export function proxmoxCluster(metadata: NamespacedMeta, spec: ProxmoxClusterSpec): ProxmoxCluster {
  return { apiVersion: "infrastructure.cluster.x-k8s.io/v1alpha2", kind: "ProxmoxCluster", metadata, spec };
}
