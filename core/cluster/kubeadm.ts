// kubeadm (Cluster API's own bootstrap and control-plane providers, v1beta2): the control plane as a
// KubeadmControlPlane whose config carries the infrastructure's node setup plus the parent link,
// and one KubeadmConfigTemplate per worker pool (its node labels differ).
import {
  contractRefOf,
  kubeadmConfigTemplate,
  kubeadmControlPlane,
  type KubeadmArg,
  type KubeadmConfigSpec,
  type NodeRegistration,
} from "../k8s/builders";
import type { KubeObject } from "../k8s/object";
import type { WorkerPool } from "../spec";
import { metaOf, type ClusterContext } from "./context";
import type { InfraPlan, NodeSetup } from "./infra-plan";
import { linkCommand, linkFiles } from "./link";
import { names } from "./names";
import { poolNodeLabels } from "./pools";

/** What a bootstrap module returns: the control plane and one bootstrap template per pool. */
export interface BootstrapPlan {
  readonly controlPlane: KubeObject;
  /** In ctx.pools order. */
  readonly workerConfigs: readonly KubeObject[];
}

function registration(node: NodeSetup, extraArgs: readonly KubeadmArg[] = []): NodeRegistration {
  const args = [...node.kubeletArgs, ...extraArgs];
  const r: NodeRegistration = {};
  if (node.nodeName) r.name = node.nodeName;
  if (args.length) r.kubeletExtraArgs = args;
  return r;
}

const nonEmpty = (r: NodeRegistration) => Object.keys(r).length > 0;

function users(node: NodeSetup): Pick<KubeadmConfigSpec, "users"> {
  return node.sshAuthorizedKeys.length
    ? { users: [{ name: "root", sshAuthorizedKeys: [...node.sshAuthorizedKeys] }] }
    : {};
}

/** The KubeadmConfigSpec of control-plane nodes. */
function controlPlaneConfig(ctx: ClusterContext, node: NodeSetup): KubeadmConfigSpec {
  const spec: KubeadmConfigSpec = {};
  if (node.apiServerSANs.length) spec.clusterConfiguration = { apiServer: { certSANs: [...node.apiServerSANs] } };
  const reg = registration(node);
  if (nonEmpty(reg)) {
    spec.initConfiguration = { nodeRegistration: reg };
    spec.joinConfiguration = { nodeRegistration: registration(node) };
  }
  // A root cluster (ctx.root) has no parent: no link files, no bootstrap command.
  const files = [...node.controlPlaneFiles, ...(ctx.root ? [] : linkFiles(ctx.name, "kubeadm", ctx.parent))];
  if (files.length) spec.files = files;
  if (node.controlPlanePreCommands.length) spec.preKubeadmCommands = [...node.controlPlanePreCommands];
  const post = [...node.controlPlanePostCommands, ...(ctx.root ? [] : [linkCommand()])];
  if (post.length) spec.postKubeadmCommands = post;
  return { ...spec, ...users(node) };
}

/** The KubeadmConfigSpec of a worker pool's nodes: no link files, the pool's node labels. */
function workerConfig(node: NodeSetup, pool: WorkerPool): KubeadmConfigSpec {
  const labels = poolNodeLabels(pool);
  const reg = registration(node, [{ name: "node-labels", value: labels.join(",") }]);
  return { joinConfiguration: { nodeRegistration: reg }, ...users(node) };
}

export function kubeadmPlan(ctx: ClusterContext, infra: InfraPlan): BootstrapPlan {
  const controlPlane = kubeadmControlPlane(metaOf(ctx, names.controlPlane(ctx.name)), {
    replicas: ctx.controlPlaneReplicas,
    version: ctx.version,
    machineTemplate: { spec: { infrastructureRef: contractRefOf(infra.controlPlaneTemplate) } },
    kubeadmConfigSpec: controlPlaneConfig(ctx, infra.node),
  });
  const workerConfigs = ctx.pools.map((pool) => {
    const spec = workerConfig(infra.node, pool);
    return kubeadmConfigTemplate(metaOf(ctx, names.poolTemplate(ctx.name, pool.name, spec)), spec);
  });
  return { controlPlane, workerConfigs };
}
