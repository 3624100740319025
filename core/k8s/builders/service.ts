// Service: the stable name and ports in front of a service's pods.
import type { KubeObject, StringMap } from "../object";
import type { NamespacedMeta } from "./meta";

export interface ServicePortSpec {
  name: string;
  port: number;
  targetPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
}

export interface Service extends KubeObject {
  apiVersion: "v1";
  kind: "Service";
  metadata: NamespacedMeta;
  spec: { selector: StringMap; ports: ServicePortSpec[] };
}

/** A ClusterIP Service selecting `selector`. */
export function service(metadata: NamespacedMeta, selector: StringMap, ports: ServicePortSpec[]): Service {
  return { apiVersion: "v1", kind: "Service", metadata, spec: { selector, ports } };
}
