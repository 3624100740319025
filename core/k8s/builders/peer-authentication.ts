// Istio PeerAuthentication (security.istio.io/v1): the mTLS mode of a namespace's workloads.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface PeerAuthentication extends KubeObject {
  apiVersion: "security.istio.io/v1";
  kind: "PeerAuthentication";
  metadata: NamespacedMeta;
  spec: { mtls: { mode: "STRICT" | "PERMISSIVE" } };
}

/** A namespace-wide PeerAuthentication with the given mode. */
export function peerAuthentication(metadata: NamespacedMeta, mode: "STRICT" | "PERMISSIVE"): PeerAuthentication {
  return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata, spec: { mtls: { mode } } };
}
