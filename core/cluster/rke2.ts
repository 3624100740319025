// RKE2 (rancher/cluster-api-provider-rke2, v1beta2): the control plane as an RKE2ControlPlane with the
// infrastructure's node setup plus the parent link, and one RKE2ConfigTemplate per worker pool. RKE2
// installs no CNI (cni: none): Lattice installs Cilium itself, as on kubeadm clusters.
import { stringify } from "yaml";
import {
  contractRefOf,
  rke2ConfigTemplate,
  rke2ControlPlane,
  type Rke2AgentConfig,
  type Rke2ConfigSpec,
} from "../k8s/builders";
import type { WorkerPool } from "../spec";
import { metaOf, type ClusterContext } from "./context";
import type { InfraPlan, NodeSetup } from "./infra-plan";
import type { BootstrapPlan } from "./kubeadm";
import { linkCommand, linkFiles } from "./link";
import { names } from "./names";
import { poolNodeLabels } from "./pools";

/** RKE2's agentConfig for a node: kubelet flags as name=value, node labels, SSH keys through cloud-init. */
function agentConfig(node: NodeSetup, nodeLabels: readonly string[]): Rke2AgentConfig {
  const config: Rke2AgentConfig = {};
  if (node.kubeletArgs.length) config.kubelet = { extraArgs: node.kubeletArgs.map((a) => `${a.name}=${a.value}`) };
  if (nodeLabels.length) config.nodeLabels = [...nodeLabels];
  // RKE2ConfigSpec has no users; cloud-init's ssh_authorized_keys module adds the keys to the default user.
  if (node.sshAuthorizedKeys.length)
    config.additionalUserData = {
      data: { ssh_authorized_keys: stringify([...node.sshAuthorizedKeys], { lineWidth: 0 }) },
    };
  return config;
}

function workerConfig(node: NodeSetup, pool: WorkerPool): Rke2ConfigSpec {
  return { agentConfig: agentConfig(node, poolNodeLabels(pool)) };
}

export function rke2Plan(ctx: ClusterContext, infra: InfraPlan): BootstrapPlan {
  const node = infra.node;
  const agent = agentConfig(node, []);
  const controlPlane = rke2ControlPlane(metaOf(ctx, names.controlPlane(ctx.name)), {
    replicas: ctx.controlPlaneReplicas,
    version: ctx.version,
    machineTemplate: { spec: { infrastructureRef: contractRefOf(infra.controlPlaneTemplate) } },
    serverConfig: { cni: "none", ...(node.apiServerSANs.length ? { tlsSan: [...node.apiServerSANs] } : {}) },
    registrationMethod: node.rke2Registration,
    rolloutStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
    ...(Object.keys(agent).length ? { agentConfig: agent } : {}),
    files: [...node.controlPlaneFiles, ...(ctx.root ? [] : linkFiles(ctx.name, "rke2", ctx.parent))],
    ...(node.controlPlanePreCommands.length ? { preRKE2Commands: [...node.controlPlanePreCommands] } : {}),
    postRKE2Commands: [...node.controlPlanePostCommands, ...(ctx.root ? [] : [linkCommand()])],
  });
  const workerConfigs = ctx.pools.map((pool) => {
    const spec = workerConfig(node, pool);
    return rke2ConfigTemplate(metaOf(ctx, names.poolTemplate(ctx.name, pool.name, spec)), spec);
  });
  return { controlPlane, workerConfigs };
}
