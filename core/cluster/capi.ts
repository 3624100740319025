// Cluster API core objects: the Cluster, pointing at the infrastructure cluster and the control
// plane, and one MachineDeployment per worker pool. The cluster network is fixed here because the
// LatticeCluster has no field for it (yet); the ranges avoid the Docker, AWS-default-VPC and common
// home-LAN ranges.
import { capiCluster, contractRefOf, machineDeployment, type ClusterNetwork } from "../k8s/builders";
import type { KubeObject } from "../k8s/object";
import { metaOf, type ClusterContext } from "./context";
import { CAPI_CLUSTER_NAME_LABEL, CAPI_DEPLOYMENT_NAME_LABEL, names } from "./names";

/** Pod and service ranges and the DNS domain of every Lattice cluster. */
export const CLUSTER_NETWORK: ClusterNetwork = {
  pods: { cidrBlocks: ["10.244.0.0/16"] },
  services: { cidrBlocks: ["10.96.0.0/12"] },
  serviceDomain: "cluster.local",
};

/** The Cluster object. */
export function clusterObject(ctx: ClusterContext, infraCluster: KubeObject, controlPlane: KubeObject): KubeObject {
  return capiCluster(metaOf(ctx, names.cluster(ctx.name)), {
    clusterNetwork: {
      pods: { cidrBlocks: [...CLUSTER_NETWORK.pods.cidrBlocks] },
      services: { cidrBlocks: [...CLUSTER_NETWORK.services.cidrBlocks] },
      serviceDomain: CLUSTER_NETWORK.serviceDomain,
    },
    controlPlaneRef: contractRefOf(controlPlane),
    infrastructureRef: contractRefOf(infraCluster),
  });
}

/** One MachineDeployment per pool (ctx.pools order), from its machine and bootstrap templates. */
export function machineDeployments(
  ctx: ClusterContext,
  machineTemplates: readonly KubeObject[],
  bootstrapTemplates: readonly KubeObject[],
): KubeObject[] {
  return ctx.pools.map((pool, i) => {
    const name = names.machineDeployment(ctx.name, pool.name);
    const machine = machineTemplates[i];
    const config = bootstrapTemplates[i];
    if (!machine || !config) throw new Error(`pool ${pool.name}: no template (a defect in core/cluster)`);
    // Machines carry only Cluster API's labels: ownership labels on them would make Lattice's
    // pruning think it owns Machines, which belong to Cluster API.
    const selector = { [CAPI_CLUSTER_NAME_LABEL]: ctx.name, [CAPI_DEPLOYMENT_NAME_LABEL]: name };
    return machineDeployment(metaOf(ctx, name), {
      clusterName: ctx.name,
      replicas: pool.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector } },
        spec: {
          clusterName: ctx.name,
          version: ctx.version,
          bootstrap: { configRef: contractRefOf(config) },
          infrastructureRef: contractRefOf(machine),
        },
      },
    });
  });
}
