// DockerMachineTemplate (infrastructure.cluster.x-k8s.io/v1beta2): the node container image.
// Immutable once created (CAPD's webhook), so Lattice names templates after their content.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface DockerMachineSpec {
  /** A node image; CAPD derives kindest/node:<version> when absent. */
  customImage?: string;
}

export interface DockerMachineTemplate extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2";
  kind: "DockerMachineTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: DockerMachineSpec } };
}

/** A DockerMachineTemplate. */
export function dockerMachineTemplate(metadata: NamespacedMeta, spec: DockerMachineSpec): DockerMachineTemplate {
  return {
    apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2",
    kind: "DockerMachineTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
