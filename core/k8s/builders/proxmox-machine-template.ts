// ProxmoxMachineTemplate (infrastructure.cluster.x-k8s.io/v1alpha2): a VM cloned from a template.
// Lattice names templates after their content, so a changed shape rolls the machines.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface ProxmoxNetworkDevice {
  name: string;
  bridge: string;
  model: "virtio";
  /** Attach the cluster's IPv4 (or IPv6) pool to this device. */
  defaultIPv4?: boolean;
  defaultIPv6?: boolean;
}

export interface ProxmoxMachineSpec {
  sourceNode: string;
  templateID: number;
  /** A full clone: required by CAPMOX whenever a target storage is given. */
  full: true;
  storage?: string;
  numSockets: number;
  numCores: number;
  /** A multiple of 8 (CRD). */
  memoryMiB: number;
  disks: { bootVolume: { disk: string; sizeGb: number } };
  network: { networkDevices: ProxmoxNetworkDevice[] };
}

export interface ProxmoxMachineTemplate extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1alpha2";
  kind: "ProxmoxMachineTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: ProxmoxMachineSpec } };
}

/** A ProxmoxMachineTemplate. */
export function proxmoxMachineTemplate(metadata: NamespacedMeta, spec: ProxmoxMachineSpec): ProxmoxMachineTemplate {
  return {
    apiVersion: "infrastructure.cluster.x-k8s.io/v1alpha2",
    kind: "ProxmoxMachineTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
