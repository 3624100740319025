// Shapes shared by the builders: metadata of namespaced and cluster-scoped objects, label selectors.
import type { ObjectMeta, StringMap } from "../object";

/** metadata of a namespaced object: the namespace is required. */
export interface NamespacedMeta extends ObjectMeta {
  namespace: string;
}

/** metadata of a cluster-scoped object: no namespace. */
export interface ClusterMeta extends ObjectMeta {
  namespace?: never;
}

/** One requirement of a label selector. */
export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** A Kubernetes label selector (also Cilium's endpoint selector). `{}` selects everything in scope. */
export interface LabelSelector {
  matchLabels?: StringMap;
  matchExpressions?: LabelSelectorRequirement[];
}
