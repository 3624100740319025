// AWS prerequisites with @pulumi/aws (loaded here, on first use): CAPA's IAM set exactly as
// clusterawsadm makes it (core/cluster/prerequisites/capa-iam.ts), an access key of its
// bootstrapper user written into the Secret the AWSClusterStaticIdentity reads, and the EC2 key
// pair the machines name. One table maps each step of the plan to its resource.
import * as pulumi from "@pulumi/pulumi";
import type { AwsStep } from "../../core/cluster/prerequisites";
import type { AwsPrerequisiteSettings } from "../../core/spec";
import { credentialSecret, type CreatedPrerequisites, type PrerequisiteContext } from "./context";
import { loadOptional } from "./optional";

type Iam = typeof import("@pulumi/aws/iam");
type Ec2 = typeof import("@pulumi/aws/ec2");
type AwsProviderModule = typeof import("@pulumi/aws/provider");

/** AWS settings: the validated ones, and optionally an explicit provider (its region must be the spec's). */
export interface AwsPrerequisiteArgs extends AwsPrerequisiteSettings {
  provider?: pulumi.ProviderResource;
}

/** Something made by a step that later steps refer to. */
interface Made {
  resource: pulumi.CustomResource;
  name?: pulumi.Output<string>;
  arn?: pulumi.Output<string>;
}

export function createAwsPrerequisites(
  ctx: PrerequisiteContext,
  steps: readonly AwsStep[],
  settings: AwsPrerequisiteArgs,
  region: string,
): CreatedPrerequisites {
  const iam = loadOptional<Iam>("@pulumi/aws", "iam", ctx.who);
  const ec2 = loadOptional<Ec2>("@pulumi/aws", "ec2", ctx.who);
  // The key pair is regional: without an explicit provider, one for the spec's region.
  const provider =
    settings.provider ??
    new (loadOptional<AwsProviderModule>("@pulumi/aws", "provider", ctx.who).Provider)(
      `${ctx.name}-aws`,
      { region: region as never },
      { parent: ctx.scope },
    );
  const opts: pulumi.CustomResourceOptions = { parent: ctx.scope, provider };
  const made = new Map<string, Made>();
  const get = (key: string): Made => {
    const m = made.get(key);
    if (!m) throw new Error(`${ctx.who}: prerequisite step ${key} is used before it is made`);
    return m;
  };
  const name = (key: string) => get(key).name!;
  let accessKey: InstanceType<Iam["AccessKey"]> | undefined;
  for (const s of steps) {
    const n = `${ctx.name}-${s.key}`;
    switch (s.op) {
      case "group": {
        const r = new iam.Group(n, { name: s.groupName }, opts);
        made.set(s.key, { resource: r, name: r.name, arn: r.arn });
        break;
      }
      case "user": {
        const r = new iam.User(n, { name: s.userName }, opts);
        made.set(s.key, { resource: r, name: r.name, arn: r.arn });
        break;
      }
      case "user-groups":
        made.set(s.key, {
          resource: new iam.UserGroupMembership(n, { user: name(s.user), groups: s.groups.map(name) }, opts),
        });
        break;
      case "policy": {
        const r = new iam.Policy(
          n,
          { name: s.policyName, description: s.description, policy: JSON.stringify(s.document) },
          opts,
        );
        made.set(s.key, { resource: r, name: r.name, arn: r.arn });
        break;
      }
      case "role": {
        const r = new iam.Role(n, { name: s.roleName, assumeRolePolicy: JSON.stringify(s.assumeRolePolicy) }, opts);
        made.set(s.key, { resource: r, name: r.name, arn: r.arn });
        break;
      }
      case "role-policy": {
        const policyArn = "arn" in s.policy ? s.policy.arn : get(s.policy.ref).arn!;
        made.set(s.key, { resource: new iam.RolePolicyAttachment(n, { role: name(s.role), policyArn }, opts) });
        break;
      }
      case "group-policy":
        made.set(s.key, {
          resource: new iam.GroupPolicyAttachment(n, { group: name(s.group), policyArn: get(s.policy).arn! }, opts),
        });
        break;
      case "instance-profile": {
        const r = new iam.InstanceProfile(n, { name: s.profileName, role: name(s.role) }, opts);
        made.set(s.key, { resource: r, name: r.name, arn: r.arn });
        break;
      }
      case "access-key":
        accessKey = new iam.AccessKey(n, { user: name(s.user) }, opts);
        made.set(s.key, { resource: accessKey });
        break;
      case "key-pair": {
        const r = new ec2.KeyPair(n, { keyName: s.keyName, publicKey: settings.sshPublicKey }, opts);
        made.set(s.key, { resource: r, name: r.keyName, arn: r.arn });
        break;
      }
      case "credentials-secret": {
        const key = accessKey;
        if (!key) throw new Error(`${ctx.who}: the credentials Secret needs the access key step first`);
        // The keys CAPA's static identity reads (AWSClusterStaticIdentitySpec.secretRef).
        const r = credentialSecret(
          ctx,
          s.key,
          { name: s.secretName, namespace: s.secretNamespace },
          { AccessKeyID: key.id, SecretAccessKey: key.secret },
        );
        made.set(s.key, { resource: r });
        break;
      }
      default: {
        const never: never = s;
        throw new Error(`${ctx.who}: unknown AWS step ${JSON.stringify(never)}`);
      }
    }
  }
  const resources = [...made.values()].map((m) => m.resource);
  const outputs = pulumi
    .output({ accessKeyId: accessKey ? accessKey.id : "", keyPair: made.get("key-pair")?.name ?? "" })
    .apply((o): Record<string, string> => ({ ...o }));
  return { resources, outputs };
}
