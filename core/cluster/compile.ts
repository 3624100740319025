// LatticeCluster → Cluster API manifests. Pure: the document and options in, sorted objects out.
//
//   document ──► context (namespace, version, pools, options)
//            ──► infraFor: the provider's cluster, identities, machine templates and node setup
//            ──► bootstrapFor: control plane (with the parent link) and worker bootstrap templates
//            ──► Cluster + one MachineDeployment per pool ──► sorted
import { sortObjects } from "../compile/order";
import type { KubeObject } from "../k8s/object";
import { clusterProvider, workerPoolsOf, type LatticeCluster } from "../spec";
import { clusterObject, machineDeployments } from "./capi";
import type { Bootstrap, ClusterContext } from "./context";
import { ClusterCompileError, ClusterOptionsError, unhandled } from "./errors";
import { infraFor } from "./infra";
import type { InfraPlan } from "./infra-plan";
import { kubeadmPlan, type BootstrapPlan } from "./kubeadm";
import { clusterOwnershipLabels } from "./names";
import { checkClusterOptions, DEFAULT_KUBE_VIP_IMAGE, normalizeParent, type ClusterCompileOptions } from "./options";
import { rke2Plan } from "./rke2";

/** Options of compileCluster: the cluster options and where documents without a namespace go. */
export interface CompileClusterOptions extends ClusterCompileOptions {
  readonly defaultNamespace: string;
}

const KUBEADM_VERSION = /^v?([0-9]+\.[0-9]+\.[0-9]+)$/;
const RKE2_VERSION = /^v?([0-9]+\.[0-9]{2}\.[0-9]+)\+rke2r[0-9]+$/;

/** The version Cluster API wants ("v" prefix) and its Kubernetes part, per bootstrap. */
function versionsOf(doc: LatticeCluster): { version: string; kubernetesVersion: string } {
  const { version, bootstrap } = doc.spec.provider.kubernetes;
  const m = (bootstrap === "rke2" ? RKE2_VERSION : KUBEADM_VERSION).exec(version);
  if (!m) {
    const want =
      bootstrap === "rke2" ? 'an RKE2 release such as "v1.32.4+rke2r1"' : 'a Kubernetes version such as "1.32.0"';
    throw new ClusterCompileError(
      doc.metadata.name,
      "spec.provider.kubernetes.version",
      `${bootstrap} needs ${want}, got ${JSON.stringify(version)}`,
    );
  }
  return { version: version.startsWith("v") ? version : `v${version}`, kubernetesVersion: `v${m[1]}` };
}

function contextOf(doc: LatticeCluster, opts: CompileClusterOptions): ClusterContext {
  const name = doc.metadata.name;
  const namespace = doc.metadata.namespace ?? opts.defaultNamespace;
  return {
    name,
    namespace,
    bootstrap: doc.spec.provider.kubernetes.bootstrap,
    ...versionsOf(doc),
    controlPlaneReplicas: doc.spec.nodes.controlPlane.replicas,
    pools: workerPoolsOf(doc),
    labels: clusterOwnershipLabels(namespace, name),
    parent: opts.parent ? normalizeParent(opts.parent) : undefined,
    root: !!opts.root,
    kubeVipImage: opts.kubeVipImage ?? DEFAULT_KUBE_VIP_IMAGE,
  };
}

/** The control plane and worker bootstrap templates of the cluster's bootstrap provider. */
function bootstrapFor(ctx: ClusterContext, infra: InfraPlan): BootstrapPlan {
  const bootstrap: Bootstrap = ctx.bootstrap;
  switch (bootstrap) {
    case "kubeadm":
      return kubeadmPlan(ctx, infra);
    case "rke2":
      return rke2Plan(ctx, infra);
    default:
      return unhandled(ctx.name, "spec.provider.kubernetes.bootstrap", bootstrap);
  }
}

/**
 * Compile ONE validated LatticeCluster to its Cluster API objects, sorted: Cluster, control plane,
 * infrastructure cluster and machine templates, bootstrap templates, one MachineDeployment per
 * worker pool, credential identities. Every object carries the ownership labels
 * (app.kubernetes.io/managed-by, lattice.dev/namespace, lattice.dev/cluster). The bootstrap token
 * is referenced (bootstrapSecretName), never contained. Throws ClusterOptionsError for bad options.
 */
export function compileCluster(doc: LatticeCluster, opts: CompileClusterOptions): KubeObject[] {
  const problem = checkClusterOptions(opts);
  if (problem) throw new ClusterOptionsError(problem);
  const ctx = contextOf(doc, opts);
  const infra = infraFor(ctx, clusterProvider(doc));
  const boot = bootstrapFor(ctx, infra);
  return sortObjects([
    clusterObject(ctx, infra.infraCluster, boot.controlPlane),
    infra.infraCluster,
    ...infra.extra,
    infra.controlPlaneTemplate,
    ...infra.workerTemplates,
    boot.controlPlane,
    ...boot.workerConfigs,
    ...machineDeployments(ctx, infra.workerTemplates, boot.workerConfigs),
  ]);
}
