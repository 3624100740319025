// Proxmox VE (CAPMOX, infrastructure.cluster.x-k8s.io/v1alpha2): VMs cloned from a template, node
// addresses from the pool in ProxmoxCluster.ipv4Config (ipv6Config for an IPv6 pool; CAPMOX creates
// the InClusterIPPool from it), and kube-vip holding the control-plane VIP. The Proxmox API URL is
// not a field of CAPMOX's API (it is the `url` key of the credentials Secret); the annotation
// records it so a reviewer sees which Proxmox a cluster lands on.
import {
  proxmoxCluster,
  proxmoxMachineTemplate,
  type ProxmoxClusterSpec,
  type ProxmoxMachineSpec,
} from "../k8s/builders";
import type { ProxmoxConfig } from "../spec";
import { parseIp } from "../spec/net";
import { metaOf, type ClusterContext } from "./context";
import { EMPTY_NODE_SETUP, type InfraPlan } from "./infra-plan";
import { kubeVip } from "./kube-vip";
import { names } from "./names";

/** Annotation on the ProxmoxCluster: the Proxmox API the credentials Secret must point at. */
export const PROXMOX_ENDPOINT_ANNOTATION = "lattice.dev/proxmox-endpoint";

/** The boot disk CAPMOX resizes (its templates' BOOT_VOLUME_DEVICE; image-builder's Proxmox images boot from scsi0). */
export const PROXMOX_BOOT_DISK = "scsi0";

/** The kubelet's provider-id, as CAPMOX's kubeadm templates write it (RKE2 takes it unquoted). */
const PROVIDER_ID = {
  kubeadm: "proxmox://'{{ ds.meta_data.instance_id }}'",
  rke2: "proxmox://{{ ds.meta_data.instance_id }}",
} as const;

export function proxmoxInfra(ctx: ClusterContext, config: ProxmoxConfig): InfraPlan {
  const pool = {
    addresses: [...config.ip_pool.addresses],
    prefix: config.ip_pool.prefix,
    gateway: config.ip_pool.gateway,
  };
  const ipv6 = parseIp(config.ip_pool.gateway)?.family === 6;
  const spec: ProxmoxClusterSpec = {
    controlPlaneEndpoint: { host: config.control_plane_vip, port: 6443 },
    ...(config.allowed_nodes?.length ? { allowedNodes: [...config.allowed_nodes] } : {}),
    ...(ipv6 ? { ipv6Config: pool } : { ipv4Config: pool }),
    dnsServers: [...config.dns_servers],
    credentialsRef: {
      name: config.credentials_secret_ref.name,
      ...(config.credentials_secret_ref.namespace ? { namespace: config.credentials_secret_ref.namespace } : {}),
    },
  };
  const machine = (cores: number, memoryMiB: number, diskGib: number): ProxmoxMachineSpec => ({
    sourceNode: config.node,
    templateID: config.template_id,
    full: true,
    ...(config.storage ? { storage: config.storage } : {}),
    numSockets: 1,
    numCores: cores,
    memoryMiB,
    disks: { bootVolume: { disk: PROXMOX_BOOT_DISK, sizeGb: diskGib } },
    network: {
      networkDevices: [
        {
          name: "net0",
          bridge: config.bridge,
          model: "virtio",
          ...(ipv6 ? { defaultIPv6: true } : { defaultIPv4: true }),
        },
      ],
    },
  });
  const cpSpec = machine(config.cp_cores, config.cp_memory_mib, config.disk_gib);
  const vip = kubeVip(ctx.bootstrap, config.control_plane_vip, config.vip_interface, ctx.kubeVipImage);
  return {
    infraCluster: proxmoxCluster(
      { ...metaOf(ctx, names.cluster(ctx.name)), annotations: { [PROXMOX_ENDPOINT_ANNOTATION]: config.endpoint } },
      spec,
    ),
    extra: [],
    controlPlaneTemplate: proxmoxMachineTemplate(metaOf(ctx, names.controlPlaneTemplate(ctx.name, cpSpec)), cpSpec),
    workerTemplates: ctx.pools.map((p) => {
      const s = machine(
        p.cores ?? config.worker_cores,
        p.memoryMib ?? config.worker_memory_mib,
        p.diskGib ?? config.disk_gib,
      );
      return proxmoxMachineTemplate(metaOf(ctx, names.poolTemplate(ctx.name, p.name, s)), s);
    }),
    node: {
      ...EMPTY_NODE_SETUP,
      kubeletArgs: [{ name: "provider-id", value: PROVIDER_ID[ctx.bootstrap] }],
      apiServerSANs: [config.control_plane_vip],
      controlPlaneFiles: vip.files,
      controlPlanePreCommands: vip.preCommands,
      controlPlanePostCommands: vip.postCommands,
      sshAuthorizedKeys: config.ssh_authorized_keys ?? [],
      // Joining nodes register through the VIP (port 9345 on whichever server holds it).
      rke2Registration: "control-plane-endpoint",
    },
  };
}
