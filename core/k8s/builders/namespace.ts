// Namespace: Lattice labels the namespaces it manages (ambient data plane) and owns nothing else in them.
import type { KubeObject } from "../object";
import type { ClusterMeta } from "./meta";

export interface Namespace extends KubeObject {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ClusterMeta;
}

/** A Namespace with the given metadata (its labels carry the data-plane mode). */
export function namespace(metadata: ClusterMeta): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata };
}
