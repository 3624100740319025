// What the evaluator takes and returns. It reads ONLY CiliumNetworkPolicy,
// CiliumClusterwideNetworkPolicy and AuthorizationPolicy objects (plain KubeObjects: compiled, or read
// back from an API server) plus a description of the two pods; never Lattice declarations.

/** A pod as the data plane sees it. */
export interface PodIdentity {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** Labels of the pod's namespace (Cilium exposes them as io.cilium.k8s.namespace.labels.*). */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

export type Protocol = "TCP" | "UDP" | "SCTP";

/** The verdict of one enforcement point. */
export interface LayerVerdict {
  readonly layer: "cilium-egress" | "cilium-ingress" | "istio-authz";
  readonly allowed: boolean;
  /** Why, naming the deciding policies ("kind/namespace/name"). */
  readonly reason: string;
}

export interface Verdict {
  readonly allowed: boolean;
  readonly layers: readonly LayerVerdict[];
}

/** A policy uses something the evaluator does not model; rather than guess, it refuses. */
export class UnmodeledPolicyError extends Error {
  constructor(
    readonly policy: string,
    readonly field: string,
    why: string,
  ) {
    super(`${policy}: ${field}: ${why} (not modelled by core/policy-eval)`);
    this.name = "UnmodeledPolicyError";
  }
}
