// What a LatticeCluster with `spec.prerequisites: create` owns besides its CAPI objects, as a pure
// plan: one step per Pulumi resource (or lookup), in creation order, each with a stable key. The
// component (components/prerequisites) registers exactly these steps as `<component>-<key>`, and
// `lattice render` lists them, so what is shown is what is created.
//
//   aws        CAPA's IAM set (capa-iam.ts) + an access key of its bootstrapper user + the EC2 key
//              pair spec…sshKeyName + the Secret the AWSClusterStaticIdentity reads
//   openstack  lookups of the external network and image + an application credential + the key
//              pair + the clouds.yaml Secret CAPO reads (labelled to move with the cluster)
//   proxmox    the VM template (template_id) built on the host + snippets storage, over SSH
import type { AwsConfig, LatticeCluster, OpenStackConfig, PrerequisiteRunner, ProxmoxConfig } from "../../spec";
import { clusterProvider } from "../../spec";
import { ClusterCompileError, unhandled } from "../errors";
import { openStackParam } from "../openstack";
import { CAPA_IAM, type CapaIamSet, type PolicyDocument } from "./capa-iam";

/** The namespace CAPA's manager runs in by default: it reads AWSClusterStaticIdentity Secrets there. */
export const CAPA_NAMESPACE = "capa-system";
/** The storage of a Proxmox template's disk when the spec names none; snippets' default storage. */
export const PROXMOX_DEFAULT_STORAGE = "local-lvm";
export const PROXMOX_DEFAULT_SNIPPETS_STORAGE = "local";

/** One step of the plan. */
interface Step {
  /** Unique within the cluster; the component names the resource `<component>-<key>`. */
  readonly key: string;
  /** A resource is created before the CAPI objects and deleted after them; a lookup is only read. */
  readonly kind: "resource" | "lookup";
  /** The Pulumi resource type or function token. */
  readonly type: string;
  /** What it is, for people (`lattice render`, errors). */
  readonly summary: string;
}

/** A key within the plan, naming an earlier step. */
type Ref = string;

export type AwsStep = Step &
  (
    | { readonly op: "group"; readonly groupName: string }
    | { readonly op: "user"; readonly userName: string }
    | { readonly op: "user-groups"; readonly user: Ref; readonly groups: readonly Ref[] }
    | {
        readonly op: "policy";
        readonly policyName: string;
        readonly description: string;
        readonly document: PolicyDocument;
      }
    | { readonly op: "role"; readonly roleName: string; readonly assumeRolePolicy: PolicyDocument }
    | { readonly op: "role-policy"; readonly role: Ref; readonly policy: { ref: Ref } | { arn: string } }
    | { readonly op: "group-policy"; readonly group: Ref; readonly policy: Ref }
    | { readonly op: "instance-profile"; readonly profileName: string; readonly role: Ref }
    | { readonly op: "access-key"; readonly user: Ref }
    | { readonly op: "key-pair"; readonly keyName: string }
    | {
        readonly op: "credentials-secret";
        readonly secretName: string;
        readonly secretNamespace: string;
        readonly accessKey: Ref;
      }
  );

export type OpenStackStep = Step &
  (
    | { readonly op: "lookup-network"; readonly network: { id: string } | { name: string } }
    | { readonly op: "lookup-image"; readonly imageName: string }
    | { readonly op: "application-credential"; readonly credentialName: string }
    | { readonly op: "key-pair"; readonly keyName: string }
    | {
        readonly op: "clouds-secret";
        readonly secretName: string;
        readonly secretNamespace: string;
        readonly cloudName: string;
        readonly credential: Ref;
      }
  );

export type ProxmoxStep = Step &
  (
    | {
        readonly op: "template";
        readonly node: string;
        readonly vmid: number;
        readonly storage: string;
        readonly bridge: string;
      }
    | { readonly op: "snippets"; readonly node: string; readonly storage: string }
  );

export type PrerequisitePlan =
  | { readonly provider: "aws"; readonly steps: readonly AwsStep[] }
  | { readonly provider: "openstack"; readonly steps: readonly OpenStackStep[] }
  | { readonly provider: "proxmox"; readonly steps: readonly ProxmoxStep[] };

/** Options of the plan: where the cluster's objects go, and how Proxmox host commands run. */
export interface PrerequisiteOptions {
  readonly namespace: string;
  readonly runner?: PrerequisiteRunner;
  /** Proxmox snippets storage (component settings; "local" by default). */
  readonly snippetsStorage?: string;
}

/** The Pulumi type of a Proxmox host command, per runner. */
export const REMOTE_COMMAND_TYPES: { readonly [R in PrerequisiteRunner]: string } = {
  "lattice-ssh": "pulumi-nodejs:dynamic/lattice:RemoteCommand",
  "pulumi-command": "command:remote:Command",
};

const SECRET_TYPE = "kubernetes:core/v1:Secret";

/** "AWSIAMRoleControlPlane" → "iam-role-control-plane". */
export function stepKey(cloudFormationId: string): string {
  return cloudFormationId
    .replace(/^AWS/, "")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

const short = (key: string, prefix: string) => key.slice(prefix.length);

/** The IAM part: CAPA's set, in dependency order, with one attachment per (policy, role|group). */
export function capaIamSteps(iam: CapaIamSet = CAPA_IAM): AwsStep[] {
  const steps: AwsStep[] = [];
  for (const g of iam.groups)
    steps.push({
      key: stepKey(g.id),
      kind: "resource",
      type: "aws:iam/group:Group",
      summary: `IAM group ${g.name}`,
      op: "group",
      groupName: g.name,
    });
  for (const u of iam.users) {
    const key = stepKey(u.id);
    steps.push({
      key,
      kind: "resource",
      type: "aws:iam/user:User",
      summary: `IAM user ${u.name}`,
      op: "user",
      userName: u.name,
    });
    if (u.groups.length)
      steps.push({
        key: `${key}-groups`,
        kind: "resource",
        type: "aws:iam/userGroupMembership:UserGroupMembership",
        summary: `IAM user ${u.name} in its groups`,
        op: "user-groups",
        user: key,
        groups: u.groups.map(stepKey),
      });
  }
  for (const p of iam.policies)
    steps.push({
      key: stepKey(p.id),
      kind: "resource",
      type: "aws:iam/policy:Policy",
      summary: `IAM policy ${p.name}`,
      op: "policy",
      policyName: p.name,
      description: p.description,
      document: p.document,
    });
  for (const r of iam.roles) {
    const key = stepKey(r.id);
    steps.push({
      key,
      kind: "resource",
      type: "aws:iam/role:Role",
      summary: `IAM role ${r.name}`,
      op: "role",
      roleName: r.name,
      assumeRolePolicy: r.assumeRolePolicy,
    });
    for (const arn of r.managedPolicyArns)
      steps.push({
        key: `iam-attach-${arn.slice(arn.lastIndexOf("/") + 1)}-to-${short(key, "iam-role-")}`,
        kind: "resource",
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        summary: `${arn} attached to IAM role ${r.name}`,
        op: "role-policy",
        role: key,
        policy: { arn },
      });
  }
  for (const p of iam.policies) {
    const key = stepKey(p.id);
    for (const role of p.roles)
      steps.push({
        key: `iam-attach-${short(key, "iam-managed-policy-")}-to-${short(stepKey(role), "iam-role-")}`,
        kind: "resource",
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        summary: `IAM policy ${p.name} attached to role ${iam.roles.find((r) => r.id === role)?.name ?? role}`,
        op: "role-policy",
        role: stepKey(role),
        policy: { ref: key },
      });
    for (const group of p.groups)
      steps.push({
        key: `iam-attach-${short(key, "iam-managed-policy-")}-to-group-${short(stepKey(group), "iam-group-")}`,
        kind: "resource",
        type: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        summary: `IAM policy ${p.name} attached to group ${iam.groups.find((g) => g.id === group)?.name ?? group}`,
        op: "group-policy",
        group: stepKey(group),
        policy: key,
      });
  }
  for (const ip of iam.instanceProfiles)
    steps.push({
      key: stepKey(ip.id),
      kind: "resource",
      type: "aws:iam/instanceProfile:InstanceProfile",
      summary: `IAM instance profile ${ip.name}`,
      op: "instance-profile",
      profileName: ip.name,
      role: stepKey(ip.role),
    });
  return steps;
}

function awsSteps(doc: LatticeCluster, config: AwsConfig): AwsStep[] {
  const iam = capaIamSteps();
  const user = iam.find((s) => s.op === "user");
  if (!user)
    throw new ClusterCompileError(doc.metadata.name, "spec.prerequisites", "CAPA's IAM set has no bootstrap user");
  const ref = config.credentialsSecretRef;
  const secretNamespace = ref.namespace ?? CAPA_NAMESPACE;
  return [
    ...iam,
    {
      key: "iam-access-key-bootstrapper",
      kind: "resource",
      type: "aws:iam/accessKey:AccessKey",
      summary: `access key of IAM user ${user.op === "user" ? user.userName : ""} (the controllers' credentials)`,
      op: "access-key",
      user: user.key,
    },
    {
      key: "key-pair",
      kind: "resource",
      type: "aws:ec2/keyPair:KeyPair",
      summary: `EC2 key pair ${config.sshKeyName} in ${config.region}`,
      op: "key-pair",
      keyName: config.sshKeyName,
    },
    {
      key: "credentials",
      kind: "resource",
      type: SECRET_TYPE,
      summary: `Secret ${secretNamespace}/${ref.name} (AccessKeyID, SecretAccessKey) for AWSClusterStaticIdentity`,
      op: "credentials-secret",
      secretName: ref.name,
      secretNamespace,
      accessKey: "iam-access-key-bootstrapper",
    },
  ];
}

function openStackSteps(doc: LatticeCluster, config: OpenStackConfig, namespace: string): OpenStackStep[] {
  const ref = config.cloudsSecretRef;
  // CAPO's identityRef has no namespace: it reads the Secret next to the OpenStackCluster.
  if (ref.namespace !== undefined && ref.namespace !== namespace)
    throw new ClusterCompileError(
      doc.metadata.name,
      "spec.provider.config.openstack.cloudsSecretRef.namespace",
      `CAPO reads the clouds.yaml Secret from the cluster's namespace "${namespace}", so Lattice creates it there: ` +
        `remove the namespace or set it to "${namespace}"`,
    );
  const network = openStackParam(config.externalNetwork);
  const image = openStackParam(config.image);
  const lookups: OpenStackStep[] = [
    {
      key: "external-network",
      kind: "lookup",
      type: "openstack:networking/getNetwork:getNetwork",
      summary: `external network ${config.externalNetwork} (must exist)`,
      op: "lookup-network",
      network: "id" in network ? { id: network.id } : { name: network.filter.name },
    },
  ];
  // An image given by UUID is CAPO's to find; one given by name is looked up now, so a typo fails
  // the preview instead of leaving machines that never start.
  if ("filter" in image)
    lookups.push({
      key: "image",
      kind: "lookup",
      type: "openstack:images/getImage:getImage",
      summary: `image ${config.image} (must exist)`,
      op: "lookup-image",
      imageName: image.filter.name,
    });
  return [
    ...lookups,
    {
      key: "application-credential",
      kind: "resource",
      type: "openstack:identity/applicationCredential:ApplicationCredential",
      summary: `application credential lattice-${namespace}-${doc.metadata.name}`,
      op: "application-credential",
      credentialName: `lattice-${namespace}-${doc.metadata.name}`,
    },
    {
      key: "key-pair",
      kind: "resource",
      type: "openstack:compute/keypair:Keypair",
      summary: `key pair ${config.sshKeyName}`,
      op: "key-pair",
      keyName: config.sshKeyName,
    },
    {
      key: "clouds-yaml",
      kind: "resource",
      type: SECRET_TYPE,
      summary: `Secret ${namespace}/${ref.name} (clouds.yaml, cloud "${config.cloudName}"), moved with the cluster`,
      op: "clouds-secret",
      secretName: ref.name,
      secretNamespace: namespace,
      cloudName: config.cloudName,
      credential: "application-credential",
    },
  ];
}

function proxmoxSteps(config: ProxmoxConfig, opts: PrerequisiteOptions): ProxmoxStep[] {
  const type = REMOTE_COMMAND_TYPES[opts.runner ?? "lattice-ssh"];
  const storage = config.storage ?? PROXMOX_DEFAULT_STORAGE;
  const snippets = opts.snippetsStorage ?? PROXMOX_DEFAULT_SNIPPETS_STORAGE;
  return [
    {
      key: "snippets",
      kind: "resource",
      type,
      summary: `snippets content on storage ${snippets} of ${config.node}, and the snippet files given`,
      op: "snippets",
      node: config.node,
      storage: snippets,
    },
    {
      key: "template",
      kind: "resource",
      type,
      summary: `VM template ${config.template_id} on ${config.node} (disk on ${storage}, bridge ${config.bridge}) from the cloud image`,
      op: "template",
      node: config.node,
      vmid: config.template_id,
      storage,
      bridge: config.bridge,
    },
  ];
}

/** The plan of a cluster whose spec.prerequisites is "create"; undefined otherwise. */
export function planPrerequisites(doc: LatticeCluster, opts: PrerequisiteOptions): PrerequisitePlan | undefined {
  if (doc.spec.prerequisites !== "create") return undefined;
  const p = clusterProvider(doc);
  const namespace = doc.metadata.namespace ?? opts.namespace;
  switch (p.provider) {
    case "docker":
      // Refused by the schema; nothing to own.
      return undefined;
    case "aws":
      return { provider: "aws", steps: awsSteps(doc, p.config) };
    case "openstack":
      return { provider: "openstack", steps: openStackSteps(doc, p.config, namespace) };
    case "proxmox":
      return { provider: "proxmox", steps: proxmoxSteps(p.config, opts) };
    default:
      return unhandled(doc.metadata.name, "spec.provider.config", p);
  }
}
