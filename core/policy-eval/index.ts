// A small evaluator of emitted network policy: reads ONLY CiliumNetworkPolicy,
// CiliumClusterwideNetworkPolicy and AuthorizationPolicy objects (never Lattice declarations) and
// answers whether a pod may reach another pod (or an outside address) under default deny. Used by
// the compiler's property tests and by integration tests on objects read back from an API server.
export { HBONE_PORT, mayConnect, mayReachExternal, podsOf, policySetOf } from "./evaluate";
export type { ConnectOptions, PolicySet } from "./evaluate";
export { UnmodeledPolicyError } from "./model";
export type { LayerVerdict, PodIdentity, Protocol, Verdict } from "./model";
export { ciliumVerdict } from "./cilium";
export type { CiliumRuleRef, Peer } from "./cilium";
export { istioVerdict } from "./istio";
export type { AuthzPolicyRef } from "./istio";
