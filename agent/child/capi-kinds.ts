// The Cluster API kinds the parent may write into a child over the link, each with the commands
// that may write it and why. This table is the agent's whole authority over Cluster API: the policy
// (./policy.ts) checks every object against it and the child's RBAC (agent/deploy/rbac.ts) is
// rendered from it, resource by resource, so the two cannot drift. A kind that is not here is
// refused, whatever its group.
//
// What the parent writes through the agent, and when:
//   apply   the cluster's own declarative objects, as compiled by core/cluster (scaling, upgrades
//           and edits of a cluster that manages itself after a pivot);
//   import  create-if-absent of the objects a pivot moves: the declarative ones plus those Cluster
//           API made from them (Machines, MachineSets, per-machine bootstrap configs, ...), with
//           their status.
//
// On "root on the nodes": a KubeadmControlPlane, a KubeadmConfigTemplate and their RKE2 twins carry
// the commands every new node runs. They are allowed because defining the nodes IS the cluster's
// lifecycle: the parent created those nodes with exactly these objects, and refusing them would
// refuse every scale-up, upgrade and pivot. What is refused is what reaches past the cluster's own
// machines: a ClusterResourceSet (applies arbitrary objects into the workload cluster as its admin,
// at any time, without a node rollout — add-ons belong in the bootstrap payload), a per-machine
// KubeadmConfig/RKE2Config by apply (Cluster API writes those, never the parent; only a pivot
// carries one, with the Machine it belongs to), ClusterClass and *Template kinds of topology (shared
// between clusters), MachinePool (not used by Lattice), the runtime SDK's ExtensionConfig (points
// the controllers at webhook servers) and clusterctl's Provider inventory (the management plane's).

/** The commands that write objects into the child. Add a command here and mark the kinds it may write. */
export type WriteCommand = "apply" | "import";

/** One kind the parent may write. */
export interface CapiKind {
  readonly group: string;
  readonly kind: string;
  /** Its resource (the plural in its CRD): what RBAC names. */
  readonly resource: string;
  /** The commands that may write it. */
  readonly commands: readonly WriteCommand[];
  /** Why the parent needs it. */
  readonly why: string;
}

const BOTH: readonly WriteCommand[] = ["apply", "import"];
const IMPORT: readonly WriteCommand[] = ["import"];

const CORE = "cluster.x-k8s.io";
const BOOTSTRAP = "bootstrap.cluster.x-k8s.io";
const CONTROL_PLANE = "controlplane.cluster.x-k8s.io";
const INFRA = "infrastructure.cluster.x-k8s.io";
const IPAM = "ipam.cluster.x-k8s.io";

/** Infrastructure providers Lattice compiles for (core/cluster): cluster, machine template, machine. */
const INFRA_PROVIDERS = [
  ["Docker", "docker"],
  ["AWS", "aws"],
  ["OpenStack", "openstack"],
  ["Proxmox", "proxmox"],
] as const;

export const CAPI_KINDS: readonly CapiKind[] = [
  { group: CORE, kind: "Cluster", resource: "clusters", commands: BOTH, why: "the cluster itself" },
  { group: CORE, kind: "MachineDeployment", resource: "machinedeployments", commands: BOTH, why: "worker pools" },
  { group: CORE, kind: "MachineSet", resource: "machinesets", commands: IMPORT, why: "made by MachineDeployments" },
  { group: CORE, kind: "Machine", resource: "machines", commands: IMPORT, why: "one per node, moved by a pivot" },
  {
    group: CORE,
    kind: "MachineHealthCheck",
    resource: "machinehealthchecks",
    commands: IMPORT,
    why: "remediation of the cluster's own machines, moved by a pivot when present",
  },
  {
    group: CONTROL_PLANE,
    kind: "KubeadmControlPlane",
    resource: "kubeadmcontrolplanes",
    commands: BOTH,
    why: "the control plane (its node commands: see the header)",
  },
  {
    group: CONTROL_PLANE,
    kind: "RKE2ControlPlane",
    resource: "rke2controlplanes",
    commands: BOTH,
    why: "the control plane on RKE2 (its node commands: see the header)",
  },
  {
    group: BOOTSTRAP,
    kind: "KubeadmConfigTemplate",
    resource: "kubeadmconfigtemplates",
    commands: BOTH,
    why: "a worker pool's node bootstrap (see the header)",
  },
  {
    group: BOOTSTRAP,
    kind: "RKE2ConfigTemplate",
    resource: "rke2configtemplates",
    commands: BOTH,
    why: "a worker pool's node bootstrap on RKE2 (see the header)",
  },
  {
    group: BOOTSTRAP,
    kind: "KubeadmConfig",
    resource: "kubeadmconfigs",
    commands: IMPORT,
    why: "one machine's rendered bootstrap, made by Cluster API; moved with its Machine, never applied",
  },
  {
    group: BOOTSTRAP,
    kind: "RKE2Config",
    resource: "rke2configs",
    commands: IMPORT,
    why: "one machine's rendered bootstrap on RKE2; moved with its Machine, never applied",
  },
  ...INFRA_PROVIDERS.flatMap(([Kind, plural]): CapiKind[] => [
    { group: INFRA, kind: `${Kind}Cluster`, resource: `${plural}clusters`, commands: BOTH, why: "the infrastructure" },
    {
      group: INFRA,
      kind: `${Kind}MachineTemplate`,
      resource: `${plural}machinetemplates`,
      commands: BOTH,
      why: "the machines' shape",
    },
    {
      group: INFRA,
      kind: `${Kind}Machine`,
      resource: `${plural}machines`,
      commands: IMPORT,
      why: "one per machine, made by Cluster API",
    },
  ]),
  {
    group: IPAM,
    kind: "IPAddressClaim",
    resource: "ipaddressclaims",
    commands: IMPORT,
    why: "a machine's address claim (Proxmox), moved with it",
  },
  { group: IPAM, kind: "IPAddress", resource: "ipaddresses", commands: IMPORT, why: "the address a claim holds" },
];

/** The entry for an apiVersion group and kind, if the parent may write it at all. */
export function capiKind(group: string, kind: string): CapiKind | undefined {
  return CAPI_KINDS.find((k) => k.group === group && k.kind === kind);
}

/** The API groups of the table, in order of first appearance. */
export function capiGroups(): string[] {
  return [...new Set(CAPI_KINDS.map((k) => k.group))];
}
