// Docker (CAPD): containers as machines, for development and tests. CAPD runs the API load
// balancer and injects the kubelet settings kindest/node needs, so kubeadm needs only the SANs of
// CAPD's published templates. RKE2 runs inside kindest/node too (the RKE2 provider's Docker
// examples), but the node image cannot be derived from an RKE2 release, so Lattice names it.
import { dockerCluster, dockerMachineTemplate, type DockerMachineSpec } from "../k8s/builders";
import type { DockerConfig } from "../spec";
import { metaOf, type ClusterContext } from "./context";
import { EMPTY_NODE_SETUP, type InfraPlan } from "./infra-plan";
import { names } from "./names";

/** The certificate names in CAPD's KubeadmControlPlane templates (the API is reached through the host). */
export const CAPD_API_SERVER_SANS = ["localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal"] as const;

export function dockerInfra(ctx: ClusterContext, config: DockerConfig): InfraPlan {
  const image = config.customImage ?? (ctx.bootstrap === "rke2" ? `kindest/node:${ctx.kubernetesVersion}` : undefined);
  const spec: DockerMachineSpec = image ? { customImage: image } : {};
  return {
    infraCluster: dockerCluster(metaOf(ctx, names.cluster(ctx.name))),
    extra: [],
    controlPlaneTemplate: dockerMachineTemplate(metaOf(ctx, names.controlPlaneTemplate(ctx.name, spec)), spec),
    workerTemplates: ctx.pools.map((p) =>
      dockerMachineTemplate(metaOf(ctx, names.poolTemplate(ctx.name, p.name, spec)), spec),
    ),
    node: {
      ...EMPTY_NODE_SETUP,
      apiServerSANs: ctx.bootstrap === "kubeadm" ? [...CAPD_API_SERVER_SANS] : [],
      // Container addresses are reachable from every node; CAPD's load balancer forwards 6443 only.
      rke2Registration: "internal-first",
    },
  };
}
