// Istio ServiceEntry (networking.istio.io/v1): tells the mesh about a destination outside it.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface ServiceEntryPort {
  number: number;
  name: string;
  protocol: "HTTP" | "HTTPS" | "TLS" | "TCP";
}

export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports: ServiceEntryPort[];
  location: "MESH_EXTERNAL";
  resolution: "DNS" | "NONE";
  exportTo?: string[];
}

export interface ServiceEntry extends KubeObject {
  apiVersion: "networking.istio.io/v1";
  kind: "ServiceEntry";
  metadata: NamespacedMeta;
  spec: ServiceEntrySpec;
}

/** A ServiceEntry for an external destination. */
export function serviceEntry(metadata: NamespacedMeta, spec: ServiceEntrySpec): ServiceEntry {
  return { apiVersion: "networking.istio.io/v1", kind: "ServiceEntry", metadata, spec };
}
