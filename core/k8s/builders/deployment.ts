// Deployment: a service's pods. Narrow types for the fields Lattice sets; nothing else is emitted.
import type { KubeObject, StringMap } from "../object";
import type { LabelSelector, NamespacedMeta } from "./meta";

export interface EnvVar {
  name: string;
  value: string;
}

export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
}

export interface ResourceRequirements {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface ProbeSpec {
  httpGet?: { path: string; port: number; scheme?: "HTTP" | "HTTPS" };
  tcpSocket?: { port: number };
  grpc?: { port: number; service?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
}

export type PodVolume =
  | { name: string; persistentVolumeClaim: { claimName: string } }
  /** A Secret's keys as files (a provider manager's webhook serving certificate). */
  | { name: string; secret: { secretName: string } };

export interface PodAffinityTerm {
  labelSelector: LabelSelector;
  topologyKey: string;
}

export interface PodSpec {
  serviceAccountName: string;
  /** The node's network (a provider manager whose webhooks the API server calls on the node's address). */
  hostNetwork?: boolean;
  automountServiceAccountToken?: boolean;
  containers: ContainerSpec[];
  volumes?: PodVolume[];
  affinity?: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PodAffinityTerm[] } };
}

export interface Deployment extends KubeObject {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: NamespacedMeta;
  spec: {
    replicas: number;
    selector: { matchLabels: StringMap };
    template: { metadata: { labels: StringMap }; spec: PodSpec };
  };
}

/** A Deployment whose selector is `selector` and whose pods carry `podLabels` (a superset of it). */
export function deployment(
  metadata: NamespacedMeta,
  d: { replicas: number; selector: StringMap; podLabels: StringMap; pod: PodSpec },
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: d.selector },
      template: { metadata: { labels: d.podLabels }, spec: d.pod },
    },
  };
}
