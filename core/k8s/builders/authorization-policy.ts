// Istio AuthorizationPolicy (security.istio.io/v1). Lattice's are enforced by ztunnel, which only
// understands L4 attributes: principals, namespaces, ports. The types admit nothing else, so an L7
// attribute (methods, paths, hosts…) — silently dropped by ztunnel, turning an ALLOW into "match
// nothing" — cannot be built by accident.
import type { KubeObject, StringMap } from "../object";
import type { NamespacedMeta } from "./meta";

export interface AuthorizationSource {
  principals?: string[];
  namespaces?: string[];
}

export interface AuthorizationOperation {
  ports?: string[];
}

export interface AuthorizationRule {
  from?: Array<{ source: AuthorizationSource }>;
  to?: Array<{ operation: AuthorizationOperation }>;
}

export interface AuthorizationPolicySpec {
  selector?: { matchLabels: StringMap };
  action?: "ALLOW" | "DENY";
  rules?: AuthorizationRule[];
}

export interface AuthorizationPolicy extends KubeObject {
  apiVersion: "security.istio.io/v1";
  kind: "AuthorizationPolicy";
  metadata: NamespacedMeta;
  spec: AuthorizationPolicySpec;
}

/** An AuthorizationPolicy; `spec: {}` is Istio's "allow nothing" for the whole namespace. */
export function authorizationPolicy(metadata: NamespacedMeta, spec: AuthorizationPolicySpec): AuthorizationPolicy {
  return { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata, spec };
}
