// The AWS IAM set Cluster API Provider AWS needs before any cluster: what upstream's
// `clusterawsadm bootstrap iam create-cloudformation-stack` creates with the bootstrap user enabled
// (roles, instance profiles, customer-managed policies, the bootstrapper group and user).
//
// Source of the policy documents: sigs.k8s.io/cluster-api-provider-aws/v2@v2.13.0,
// cmd/clusterawsadm/cloudformation/bootstrap/fixtures/with_bootstrap_user.yaml — the golden file
// upstream's own tests compare clusterawsadm's template with. capa-iam-v2.13.0.json is that file's
// content in Lattice's shape, written by `npm run gen:capa-iam` (scripts/gen-capa-iam.ts) with
// fromCloudFormation below; test/integration/cluster/capa-iam.test.ts fails when the two drift.
// The documents are data that must match upstream exactly, so they are kept verbatim (including
// upstream's duplicate ec2:DescribeInstanceTypes action).
import data from "./capa-iam-v2.13.0.json";

/** An IAM policy document (the JSON AWS stores). */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Readonly<Record<string, unknown>>[];
}

/** One group, user, role, customer-managed policy or instance profile; `id` is its CloudFormation logical id. */
export interface CapaGroup {
  readonly id: string;
  readonly name: string;
}
export interface CapaUser {
  readonly id: string;
  readonly name: string;
  /** Group ids. */
  readonly groups: readonly string[];
}
export interface CapaRole {
  readonly id: string;
  readonly name: string;
  readonly assumeRolePolicy: PolicyDocument;
  /** AWS-managed policies attached to the role (ARNs). */
  readonly managedPolicyArns: readonly string[];
}
export interface CapaPolicy {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly document: PolicyDocument;
  /** Role ids and group ids the policy is attached to. */
  readonly roles: readonly string[];
  readonly groups: readonly string[];
}
export interface CapaInstanceProfile {
  readonly id: string;
  readonly name: string;
  /** The role id (an instance profile holds exactly one role). */
  readonly role: string;
}

/** The whole IAM set, in the order of upstream's template (logical ids sorted). */
export interface CapaIamSet {
  /** Where it was read from: module@version and path. */
  readonly source: string;
  readonly groups: readonly CapaGroup[];
  readonly users: readonly CapaUser[];
  readonly roles: readonly CapaRole[];
  readonly policies: readonly CapaPolicy[];
  readonly instanceProfiles: readonly CapaInstanceProfile[];
}

export const CAPA_IAM_SOURCE =
  "sigs.k8s.io/cluster-api-provider-aws/v2@v2.13.0 cmd/clusterawsadm/cloudformation/bootstrap/fixtures/with_bootstrap_user.yaml";

/** CAPA v2.13.0's IAM set (checked in; regenerate with `npm run gen:capa-iam`). */
export const CAPA_IAM: CapaIamSet = data as CapaIamSet;

type Json = Record<string, unknown>;

function obj(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${where}: expected a mapping`);
  return v as Json;
}
function str(v: unknown, where: string): string {
  if (typeof v !== "string") throw new Error(`${where}: expected a string`);
  return v;
}
function refs(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list`);
  return v.map((r, i) => str(obj(r, `${where}[${i}]`).Ref, `${where}[${i}].Ref`));
}
function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list`);
  return v.map((s, i) => str(s, `${where}[${i}]`));
}
function document(v: unknown, where: string): PolicyDocument {
  const d = obj(v, where);
  const extra = Object.keys(d).filter((k) => k !== "Version" && k !== "Statement");
  if (extra.length) throw new Error(`${where}: unexpected ${extra.join(", ")}`);
  if (!Array.isArray(d.Statement)) throw new Error(`${where}.Statement: expected a list`);
  return {
    Version: str(d.Version, `${where}.Version`),
    Statement: d.Statement.map((s, i) => obj(s, `${where}.Statement[${i}]`)),
  };
}
function only(props: Json, allowed: readonly string[], where: string): void {
  const extra = Object.keys(props).filter((k) => !allowed.includes(k));
  if (extra.length) throw new Error(`${where}: property ${extra.join(", ")} is not understood; update capa-iam.ts`);
}

/**
 * Read upstream's CloudFormation template (parsed YAML) into a CapaIamSet. Every resource type and
 * property must be one this understands, so an upstream change fails loudly instead of being dropped.
 */
export function fromCloudFormation(template: unknown, source: string): CapaIamSet {
  const resources = obj(obj(template, "template").Resources, "Resources");
  const set = {
    source,
    groups: [] as CapaGroup[],
    users: [] as CapaUser[],
    roles: [] as CapaRole[],
    policies: [] as CapaPolicy[],
    instanceProfiles: [] as CapaInstanceProfile[],
  };
  for (const id of Object.keys(resources).sort()) {
    const r = obj(resources[id], id);
    const where = `Resources.${id}.Properties`;
    const p = obj(r.Properties, where);
    switch (r.Type) {
      case "AWS::IAM::Group":
        only(p, ["GroupName"], where);
        set.groups.push({ id, name: str(p.GroupName, `${where}.GroupName`) });
        break;
      case "AWS::IAM::User":
        only(p, ["UserName", "Groups"], where);
        set.users.push({ id, name: str(p.UserName, `${where}.UserName`), groups: refs(p.Groups, `${where}.Groups`) });
        break;
      case "AWS::IAM::Role":
        only(p, ["RoleName", "AssumeRolePolicyDocument", "ManagedPolicyArns"], where);
        set.roles.push({
          id,
          name: str(p.RoleName, `${where}.RoleName`),
          assumeRolePolicy: document(p.AssumeRolePolicyDocument, `${where}.AssumeRolePolicyDocument`),
          managedPolicyArns: strings(p.ManagedPolicyArns, `${where}.ManagedPolicyArns`),
        });
        break;
      case "AWS::IAM::ManagedPolicy":
        only(p, ["ManagedPolicyName", "Description", "PolicyDocument", "Roles", "Groups"], where);
        set.policies.push({
          id,
          name: str(p.ManagedPolicyName, `${where}.ManagedPolicyName`),
          description: str(p.Description, `${where}.Description`),
          document: document(p.PolicyDocument, `${where}.PolicyDocument`),
          roles: refs(p.Roles, `${where}.Roles`),
          groups: refs(p.Groups, `${where}.Groups`),
        });
        break;
      case "AWS::IAM::InstanceProfile": {
        only(p, ["InstanceProfileName", "Roles"], where);
        const roles = refs(p.Roles, `${where}.Roles`);
        if (roles.length !== 1) throw new Error(`${where}.Roles: expected exactly one role, got ${roles.length}`);
        set.instanceProfiles.push({
          id,
          name: str(p.InstanceProfileName, `${where}.InstanceProfileName`),
          role: roles[0]!,
        });
        break;
      }
      default:
        throw new Error(`Resources.${id}: type ${String(r.Type)} is not understood; update capa-iam.ts`);
    }
  }
  return set;
}
