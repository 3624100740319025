// CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2): one rule type, two scopes.
// Only the fields Lattice emits and the evaluator in core/policy-eval reads are typed here.
import type { KubeObject } from "../object";
import type { ClusterMeta, LabelSelector, NamespacedMeta } from "./meta";

export type CiliumProtocol = "TCP" | "UDP" | "SCTP" | "ANY";

export interface CiliumPortProtocol {
  port: string;
  endPort?: number;
  protocol?: CiliumProtocol;
}

export interface CiliumPortRule {
  ports?: CiliumPortProtocol[];
  rules?: { dns?: Array<{ matchName?: string; matchPattern?: string }> };
}

export interface CiliumFqdnSelector {
  matchName?: string;
  matchPattern?: string;
}

export interface CiliumIngressRule {
  fromEndpoints?: LabelSelector[];
  fromCIDR?: string[];
  fromEntities?: string[];
  toPorts?: CiliumPortRule[];
}

export interface CiliumEgressRule {
  toEndpoints?: LabelSelector[];
  toCIDR?: string[];
  toFQDNs?: CiliumFqdnSelector[];
  toEntities?: string[];
  toPorts?: CiliumPortRule[];
}

export interface CiliumRule {
  description?: string;
  endpointSelector: LabelSelector;
  enableDefaultDeny?: { ingress?: boolean; egress?: boolean };
  ingress?: CiliumIngressRule[];
  egress?: CiliumEgressRule[];
  ingressDeny?: CiliumIngressRule[];
  egressDeny?: CiliumEgressRule[];
}

export interface CiliumNetworkPolicy extends KubeObject {
  apiVersion: "cilium.io/v2";
  kind: "CiliumNetworkPolicy";
  metadata: NamespacedMeta;
  spec: CiliumRule;
}

export interface CiliumClusterwideNetworkPolicy extends KubeObject {
  apiVersion: "cilium.io/v2";
  kind: "CiliumClusterwideNetworkPolicy";
  metadata: ClusterMeta;
  spec: CiliumRule;
}

/** A namespaced policy: its endpointSelector and namespace-less peer selectors stay in its namespace. */
export function ciliumNetworkPolicy(metadata: NamespacedMeta, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata, spec };
}

/** A cluster-wide policy: selectors span all namespaces unless they name one. */
export function ciliumClusterwideNetworkPolicy(
  metadata: ClusterMeta,
  spec: CiliumRule,
): CiliumClusterwideNetworkPolicy {
  return { apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata, spec };
}
