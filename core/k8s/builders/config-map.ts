// ConfigMap: small, non-secret data kept in the cluster (Lattice stores declaration records in them).
import type { KubeObject, StringMap } from "../object";
import type { NamespacedMeta } from "./meta";

export interface ConfigMap extends KubeObject {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: NamespacedMeta;
  data: StringMap;
}

/** A ConfigMap with string data. */
export function configMap(metadata: NamespacedMeta, data: StringMap): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data };
}
