// Identity and ownership, derived from a service's name and namespace alone. This is what lets each
// side compile its half without the other's spec: a caller knows the callee's pod labels, a callee
// knows the caller's principal, from the declaration (name, namespace) and nothing else.
import type { StringMap } from "../k8s/object";
import type { LabelSelector } from "../k8s/builders";

/** Label keys Lattice writes. */
export const LABELS = {
  /** On every object Lattice emits. */
  managedBy: "app.kubernetes.io/managed-by",
  /** The namespace an object belongs to (also on cluster-scoped objects, for pruning). */
  namespace: "lattice.dev/namespace",
  /** The owning LatticeService / LatticeExternalService; on pods, the identity selector. */
  service: "lattice.dev/service",
  /** On a namespace's baseline objects (owned by the namespace, not by a service). */
  baseline: "lattice.dev/baseline",
  /** The conventional app name on pods. */
  appName: "app.kubernetes.io/name",
  /** Istio's ambient enrolment label on namespaces. */
  dataplaneMode: "istio.io/dataplane-mode",
} as const;

export const MANAGED_BY = "lattice";

/** Cilium's label for a pod's namespace, used in peer selectors. */
export const CILIUM_NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";

/** The pod label with which a caller states its intent to reach an external service. The external
 * service's namespace is the key's prefix so that same-named externals in two namespaces differ. */
export function egressIntentLabel(externalNamespace: string, externalName: string): string {
  return `${externalNamespace}.egress.lattice.dev/${externalName}`;
}
export const EGRESS_INTENT_VALUE = "true";

/** The pod label of a shared volume's owner, onto which consumers are scheduled. */
export function volumeOwnerLabel(id: string): string {
  return `volume.lattice.dev/${id}`;
}
export const VOLUME_OWNER_VALUE = "owner";

/** Labels on every object owned by a service (or external service). */
export function ownershipLabels(namespace: string, service: string): StringMap {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.namespace]: namespace, [LABELS.service]: service };
}

/** Labels on a namespace's baseline objects. */
export function baselineLabels(namespace: string): StringMap {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.baseline]: "true", [LABELS.namespace]: namespace };
}

/** The pod selector of a service in its own namespace (Deployment, Service, policies' subjects). */
export function serviceSelector(name: string): StringMap {
  return { [LABELS.service]: name };
}

/** A Cilium peer selector for a service in any namespace (explicit, so cross-namespace works). */
export function peerSelector(name: string, namespace: string): LabelSelector {
  return { matchLabels: { [CILIUM_NAMESPACE_LABEL]: namespace, [LABELS.service]: name } };
}

/** A service's ServiceAccount name: its own name. */
export function serviceAccountName(name: string): string {
  return name;
}

/** The SPIFFE principal (without "spiffe://") Istio gives a service's pods. */
export function principalOf(name: string, namespace: string, trustDomain: string): string {
  return principalPrefix(namespace, trustDomain) + serviceAccountName(name);
}

/** Every principal of a namespace starts with this (a compile builds it once per namespace). */
export function principalPrefix(namespace: string, trustDomain: string): string {
  return `${trustDomain}/ns/${namespace}/sa/`;
}

/** "namespace/name", how services are named across the graph. */
export function refString(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
