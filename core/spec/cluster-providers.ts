// Provider configurations of a LatticeCluster (`spec.provider.config.<provider>`). Exactly one
// provider key is present; providerOf() turns the document into a discriminated union that the CAPI
// manifest compiler switches over (with a `never` check), so adding a provider is a type error until
// every consumer handles it. Proxmox fields keep the documented snake_case spelling (template_id,
// cp_cores, cp_memory_mib…); the others follow their Cluster API providers' camelCase.
import { z } from "zod";
import { dnsSubdomain, secretRef, text, token, integer } from "./fields";
import { parseCidr, parseIp } from "./net";

const ipAddress = z
  .string()
  .max(45)
  .refine((s) => parseIp(s) !== undefined, { error: "expected an IP address" });

/** "10.0.0.10", "10.0.0.10-10.0.0.20" or "10.0.0.0/28": the forms CAPMOX's IP pools accept. */
const ipPoolEntry = z
  .string()
  .max(100)
  .refine(
    (s) => {
      if (parseIp(s) || parseCidr(s)) return true;
      const [a, b, ...more] = s.split("-");
      return (
        more.length === 0 && a !== undefined && b !== undefined && parseIp(a) !== undefined && parseIp(b) !== undefined
      );
    },
    { error: 'expected an address, a range "10.0.0.10-10.0.0.20" or a CIDR' },
  );

const count = (max: number) => integer(1, max);
const url = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: 'expected an http(s) URL such as "https://pve.example.com:8006"' });

/** Docker (CAPD): local development clusters; nothing to configure but an optional node image. */
export const dockerConfig = z.strictObject({
  customImage: token(512).optional(),
});

/** Proxmox VE (CAPMOX): VMs cloned from a template, addresses from a pool, kube-vip for the API. */
export const proxmoxConfig = z.strictObject({
  endpoint: url,
  node: dnsSubdomain,
  allowed_nodes: z.array(dnsSubdomain).max(64).optional(),
  template_id: integer(100, 999999999),
  storage: token(128).optional(),
  cp_cores: count(512),
  cp_memory_mib: integer(512, 16 * 1024 * 1024),
  worker_cores: count(512),
  worker_memory_mib: integer(512, 16 * 1024 * 1024),
  disk_gib: integer(8, 65536),
  bridge: token(64),
  ip_pool: z.strictObject({
    addresses: z.array(ipPoolEntry).min(1).max(256),
    prefix: integer(1, 128),
    gateway: ipAddress,
  }),
  dns_servers: z.array(ipAddress).min(1).max(8),
  control_plane_vip: ipAddress,
  vip_interface: token(32).optional(),
  ssh_authorized_keys: z.array(text(16384)).max(64).optional(),
  credentials_secret_ref: secretRef,
});

/** AWS (CAPA). */
export const awsConfig = z.strictObject({
  region: z
    .string()
    .max(32)
    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, { error: 'expected an AWS region such as "eu-west-1"' }),
  sshKeyName: token(255),
  controlPlaneInstanceType: z
    .string()
    .max(64)
    .regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { error: 'expected an instance type such as "m6i.large"' }),
  workerInstanceType: z
    .string()
    .max(64)
    .regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { error: 'expected an instance type such as "m6i.large"' }),
  ami: z
    .string()
    .max(64)
    .regex(/^ami-[0-9a-f]{8,17}$/, { error: 'expected an AMI id such as "ami-0abcdef1234567890"' })
    .optional(),
  credentialsSecretRef: secretRef,
});

/** OpenStack (CAPO). */
export const openstackConfig = z.strictObject({
  cloudName: token(255),
  cloudsSecretRef: secretRef,
  controlPlaneFlavor: token(255),
  workerFlavor: token(255),
  image: token(255),
  network: token(255),
  externalNetwork: token(255),
  sshKeyName: token(255),
});

export const providerConfig = z.strictObject({
  docker: dockerConfig.optional(),
  proxmox: proxmoxConfig.optional(),
  aws: awsConfig.optional(),
  openstack: openstackConfig.optional(),
});

export type DockerConfig = z.output<typeof dockerConfig>;
export type ProxmoxConfig = z.output<typeof proxmoxConfig>;
export type AwsConfig = z.output<typeof awsConfig>;
export type OpenStackConfig = z.output<typeof openstackConfig>;

/** The one provider of a cluster, discriminated by `provider`. */
export type ProviderSpec =
  | { readonly provider: "docker"; readonly config: DockerConfig }
  | { readonly provider: "proxmox"; readonly config: ProxmoxConfig }
  | { readonly provider: "aws"; readonly config: AwsConfig }
  | { readonly provider: "openstack"; readonly config: OpenStackConfig };

export type ProviderName = ProviderSpec["provider"];
export const PROVIDERS: readonly ProviderName[] = ["docker", "proxmox", "aws", "openstack"];

/** Which worker-pool sizing fields each provider understands. */
export const POOL_SIZING_FIELDS: {
  readonly [P in ProviderName]: readonly ("cores" | "memoryMib" | "diskGib" | "instanceType" | "flavor")[];
} = {
  docker: [],
  proxmox: ["cores", "memoryMib", "diskGib"],
  aws: ["instanceType"],
  openstack: ["flavor"],
};

/** The configured provider; validation guarantees exactly one key is set. */
export function providerOf(config: z.output<typeof providerConfig>): ProviderSpec {
  if (config.docker) return { provider: "docker", config: config.docker };
  if (config.proxmox) return { provider: "proxmox", config: config.proxmox };
  if (config.aws) return { provider: "aws", config: config.aws };
  if (config.openstack) return { provider: "openstack", config: config.openstack };
  throw new Error("LatticeCluster has no provider config: validate the document first");
}
