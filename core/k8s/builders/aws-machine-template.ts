// AWSMachineTemplate (infrastructure.cluster.x-k8s.io/v1beta2): an EC2 instance shape. Immutable
// (CAPA's webhook), so Lattice names templates after their content.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface AwsMachineSpec {
  instanceType: string;
  sshKeyName: string;
  /** The IAM instance profiles `clusterawsadm bootstrap iam` creates. */
  iamInstanceProfile: string;
  /** Without it, CAPA looks up its published image for the Kubernetes version. */
  ami?: { id: string };
}

export interface AwsMachineTemplate extends KubeObject {
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2";
  kind: "AWSMachineTemplate";
  metadata: NamespacedMeta;
  spec: { template: { spec: AwsMachineSpec } };
}

/** An AWSMachineTemplate. */
export function awsMachineTemplate(metadata: NamespacedMeta, spec: AwsMachineSpec): AwsMachineTemplate {
  return {
    apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2",
    kind: "AWSMachineTemplate",
    metadata,
    spec: { template: { spec } },
  };
}
