// OpenStackMachineTemplate (infrastructure.cluster.x-k8s.io/v1beta1): a Nova server shape.
// Immutable (CAPO's webhook), so Lattice names templates after their content.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";
import type { OpenStackParam } from "./openstack-cluster";

export interface OpenStackMachineSpec {
  flavor: string;
  image: OpenStackParam;
  sshKeyName: string;
}

export interface OpenStackMachineTemplate extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1";
  kind: "OpenStackMachineTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: OpenStackMachineSpec } };
}

/** An OpenStackMachineTemplate. */
export function openStackMachineTemplate(
  metadata: NamespacedMeta,
  spec: OpenStackMachineSpec,
): OpenStackMachineTemplate {
  return {
    apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
    kind: "OpenStackMachineTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
