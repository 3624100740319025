// Pod (v1) as a static pod manifest: a file the kubelet runs from its manifest directory, never an
// object Lattice applies. Used for kube-vip on Proxmox control planes.
import type { KubeObject } from "../object";
import type { EnvVar } from "./deployment";
import type { NamespacedMeta } from "./meta";

export interface StaticPodContainer {
  name: string;
  image: string;
  imagePullPolicy: "IfNotPresent";
  args: string[];
  env: EnvVar[];
  securityContext: { capabilities: { add: string[] } };
  volumeMounts: { name: string; mountPath: string }[];
}

export interface StaticPodSpec {
  containers: StaticPodContainer[];
  hostAliases: { ip: string; hostnames: string[] }[];
  hostNetwork: true;
  volumes: { name: string; hostPath: { path: string; type: "File" | "FileOrCreate" } }[];
}

export interface StaticPod extends KubeObject {
  apiVersion: "v1";
  kind: "Pod";
  metadata: NamespacedMeta;
  spec: StaticPodSpec;
}

/** A static pod manifest. */
export function staticPod(metadata: NamespacedMeta, spec: StaticPodSpec): StaticPod {
  return { apiVersion: "v1", kind: "Pod", metadata, spec };
}
