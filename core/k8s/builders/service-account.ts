// ServiceAccount: a service's identity (its SPIFFE principal is derived from name and namespace).
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export interface ServiceAccount extends KubeObject {
  apiVersion: "v1";
  kind: "ServiceAccount";
  metadata: NamespacedMeta;
  automountServiceAccountToken?: boolean;
}

/** A ServiceAccount; `automountToken: false` keeps API tokens out of pods that never call the API. */
export function serviceAccount(metadata: NamespacedMeta, automountToken: boolean): ServiceAccount {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: automountToken };
}
