// What every part of the cluster compiler reads: the document's facts in the form the manifests
// use (namespace resolved, version normalised, pools as one list) and the resolved options.
import type { NamespacedMeta } from "../k8s/builders";
import type { StringMap } from "../k8s/object";
import type { LatticeCluster, WorkerPool } from "../spec";
import type { ParentLink } from "./options";

export type Bootstrap = LatticeCluster["spec"]["provider"]["kubernetes"]["bootstrap"];

export interface ClusterContext {
  readonly name: string;
  readonly namespace: string;
  readonly bootstrap: Bootstrap;
  /** The version as Cluster API wants it: "v1.32.0", or an RKE2 release "v1.32.4+rke2r1". */
  readonly version: string;
  /** The Kubernetes part of the version: "v1.32.4" (node images are tagged with it). */
  readonly kubernetesVersion: string;
  readonly controlPlaneReplicas: number;
  readonly pools: readonly WorkerPool[];
  /** Ownership labels (clusterOwnershipLabels). */
  readonly labels: StringMap;
  readonly parent: ParentLink | undefined;
  /** A root cluster (installed from a bootstrap that goes away): no parent link on its nodes. */
  readonly root: boolean;
  readonly kubeVipImage: string;
}

/** metadata for a namespaced object of this cluster. */
export function metaOf(ctx: ClusterContext, name: string): NamespacedMeta {
  return { name, namespace: ctx.namespace, labels: ctx.labels };
}
