// OpenStack (CAPO, infrastructure.cluster.x-k8s.io/v1beta1): an existing network, floating IPs from
// the external network, a managed API load balancer and managed security groups. Networks and the
// image are given by name, or by UUID when the value is one. The clouds.yaml Secret must be in the
// cluster's namespace (identityRef has no namespace): the provisioning provider puts it there.
import {
  openStackCluster,
  openStackMachineTemplate,
  type OpenStackMachineSpec,
  type OpenStackParam,
} from "../k8s/builders";
import type { OpenStackConfig } from "../spec";
import { metaOf, type ClusterContext } from "./context";
import { EMPTY_NODE_SETUP, type InfraPlan } from "./infra-plan";
import { CREDENTIALS_SOURCE_ANNOTATION, credentialsSource, names } from "./names";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A network or image by UUID when the value is one, else by name. */
export function openStackParam(value: string): OpenStackParam {
  return UUID.test(value) ? { id: value } : { filter: { name: value } };
}

/** The kubelet's provider-id, as CAPO's kubeadm templates and the RKE2 provider's OpenStack example write it. */
const PROVIDER_ID = {
  kubeadm: "openstack:///'{{ instance_id }}'",
  rke2: "openstack:///{{ ds.meta_data.uuid }}",
} as const;

export function openStackInfra(ctx: ClusterContext, config: OpenStackConfig): InfraPlan {
  const machine = (flavor: string): OpenStackMachineSpec => ({
    flavor,
    image: openStackParam(config.image),
    sshKeyName: config.sshKeyName,
  });
  const cpSpec = machine(config.controlPlaneFlavor);
  return {
    infraCluster: openStackCluster(
      {
        ...metaOf(ctx, names.cluster(ctx.name)),
        annotations: { [CREDENTIALS_SOURCE_ANNOTATION]: credentialsSource(config.cloudsSecretRef) },
      },
      {
        identityRef: { name: config.cloudsSecretRef.name, cloudName: config.cloudName },
        network: openStackParam(config.network),
        externalNetwork: openStackParam(config.externalNetwork),
        apiServerLoadBalancer: { enabled: true },
        managedSecurityGroups: { allowAllInClusterTraffic: true },
      },
    ),
    extra: [],
    controlPlaneTemplate: openStackMachineTemplate(metaOf(ctx, names.controlPlaneTemplate(ctx.name, cpSpec)), cpSpec),
    workerTemplates: ctx.pools.map((p) => {
      const spec = machine(p.flavor ?? config.workerFlavor);
      return openStackMachineTemplate(metaOf(ctx, names.poolTemplate(ctx.name, p.name, spec)), spec);
    }),
    node: {
      ...EMPTY_NODE_SETUP,
      kubeletArgs: [{ name: "provider-id", value: PROVIDER_ID[ctx.bootstrap] }],
      ...(ctx.bootstrap === "kubeadm" ? { nodeName: "{{ local_hostname }}" } : {}),
      rke2Registration: "internal-first",
    },
  };
}
