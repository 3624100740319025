// The one order of compiled objects: policies before the workloads they protect (a namespace's
// default deny exists before its first pod starts), then namespace, then name. Plain code-unit
// comparison, never locale-dependent, so output is byte-identical everywhere.
import type { KubeObject } from "../k8s/object";

const KIND_ORDER: readonly string[] = [
  "Namespace",
  "PeerAuthentication",
  "CiliumNetworkPolicy",
  "CiliumClusterwideNetworkPolicy",
  "AuthorizationPolicy",
  "ServiceEntry",
  "ServiceAccount",
  "PersistentVolumeClaim",
  "Service",
  "Deployment",
];
const RANK = new Map(KIND_ORDER.map((k, i) => [k, i]));

/** A kind's place in the output order. */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? KIND_ORDER.length;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two objects in output order. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return kindRank(a.kind) - kindRank(b.kind) || compareWithinRank(a, b);
}

/** compareObjects for two objects of the same kind rank (no rank lookups). */
export function compareWithinRank(a: KubeObject, b: KubeObject): number {
  return (
    cmp(a.kind, b.kind) ||
    cmp(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
    cmp(a.metadata.name, b.metadata.name)
  );
}

/** A sorted copy. */
export function sortObjects(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(compareObjects);
}
