// MachineDeployment (cluster.x-k8s.io/v1beta2): one worker pool. A change of either template
// reference (or of the version) rolls the pool's Machines.
import type { KubeObject, StringMap } from "../object";
import type { ContractRef } from "./capi-shared";
import type { NamespacedMeta } from "./meta";

export interface MachineDeploymentSpec {
  clusterName: string;
  replicas: number;
  selector: { matchLabels: StringMap };
  template: {
    /** Labels of the Machines (must match the selector); never Lattice's ownership labels. */
    metadata: { labels: StringMap };
    spec: {
      clusterName: string;
      version: string;
      bootstrap: { configRef: ContractRef };
      infrastructureRef: ContractRef;
    };
  };
}

export interface MachineDeployment extends KubeObject {
  apiVersion: "cluster.x-k8s.io/v1beta2";
  kind: "MachineDeployment";
  metadata: NamespacedMeta;
  spec: MachineDeploymentSpec;
}

/** A MachineDeployment. */
export function machineDeployment(metadata: NamespacedMeta, spec: MachineDeploymentSpec): MachineDeployment {
  return { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "MachineDeployment", metadata, spec };
}
