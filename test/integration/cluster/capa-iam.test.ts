// CAPA's IAM set as Lattice creates it equals what upstream's clusterawsadm makes, read straight
// from CAPA v2.13.0's golden CloudFormation template in the Go module cache: the checked-in data
// (core/cluster/prerequisites/capa-iam-v2.13.0.json) is what `npm run gen:capa-iam` writes, and
// every policy, trust document and attachment LatticeCluster registers (under Pulumi's mocks)
// matches the template read independently of Lattice's reader.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { mockCluster, prerequisiteExample, PUBLIC_KEY } from "../../../components/prerequisites/__support__/clusters";
import { CAPA_IAM_FILE, capaFixturePath, renderCapaIam } from "../../../scripts/gen-capa-iam";

jest.setTimeout(120_000);

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

test("the checked-in IAM set is what gen:capa-iam writes from CAPA v2.13.0 (run it after an upgrade)", () => {
  expect(readFileSync(CAPA_IAM_FILE, "utf8")).toBe(renderCapaIam());
});

test("every policy, trust document and attachment LatticeCluster registers is upstream's", async () => {
  const template = parse(readFileSync(capaFixturePath(), "utf8")) as { Resources: Record<string, CfnResource> };
  const resources = Object.entries(template.Resources);
  const nameOf = (ref: { Ref: string }) => {
    const p = template.Resources[ref.Ref]!.Properties;
    return (p.RoleName ?? p.GroupName ?? p.UserName) as string;
  };
  const run = await mockCluster("staging", prerequisiteExample("aws"), {
    prerequisites: { aws: { sshPublicKey: PUBLIC_KEY } },
  });
  const of = (type: string) => run.registrations.filter((r) => r.type === type);
  const arnToPolicy = new Map(
    of("aws:iam/policy:Policy").map((r) => [`arn:aws:iam::123456789012:${r.name}`, r.inputs.name as string]),
  );

  const policies = resources.filter(([, r]) => r.Type === "AWS::IAM::ManagedPolicy").map(([, r]) => r.Properties);
  expect(
    of("aws:iam/policy:Policy")
      .map((r) => [r.inputs.name, r.inputs.description, JSON.parse(r.inputs.policy as string)])
      .sort(),
  ).toEqual(policies.map((p) => [p.ManagedPolicyName, p.Description, p.PolicyDocument]).sort());

  const roles = resources.filter(([, r]) => r.Type === "AWS::IAM::Role").map(([, r]) => r.Properties);
  expect(
    of("aws:iam/role:Role")
      .map((r) => [r.inputs.name, JSON.parse(r.inputs.assumeRolePolicy as string)])
      .sort(),
  ).toEqual(roles.map((p) => [p.RoleName, p.AssumeRolePolicyDocument]).sort());

  const roleAttachments = [
    ...policies.flatMap((p) =>
      ((p.Roles as { Ref: string }[] | undefined) ?? []).map((ref) => `${p.ManagedPolicyName} → ${nameOf(ref)}`),
    ),
    ...roles.flatMap((p) => ((p.ManagedPolicyArns as string[] | undefined) ?? []).map((a) => `${a} → ${p.RoleName}`)),
  ];
  expect(
    of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .map((r) => `${arnToPolicy.get(r.inputs.policyArn as string) ?? r.inputs.policyArn} → ${r.inputs.role}`)
      .sort(),
  ).toEqual(roleAttachments.sort());
  const groupAttachments = policies.flatMap((p) =>
    ((p.Groups as { Ref: string }[] | undefined) ?? []).map((ref) => `${p.ManagedPolicyName} → ${nameOf(ref)}`),
  );
  expect(
    of("aws:iam/groupPolicyAttachment:GroupPolicyAttachment")
      .map((r) => `${arnToPolicy.get(r.inputs.policyArn as string)} → ${r.inputs.group}`)
      .sort(),
  ).toEqual(groupAttachments.sort());

  const profiles = resources.filter(([, r]) => r.Type === "AWS::IAM::InstanceProfile").map(([, r]) => r.Properties);
  expect(
    of("aws:iam/instanceProfile:InstanceProfile")
      .map((r) => [r.inputs.name, r.inputs.role])
      .sort(),
  ).toEqual(profiles.map((p) => [p.InstanceProfileName, nameOf((p.Roles as { Ref: string }[])[0]!)]).sort());

  const users = resources.filter(([, r]) => r.Type === "AWS::IAM::User").map(([, r]) => r.Properties);
  expect(of("aws:iam/user:User").map((r) => r.inputs.name)).toEqual(users.map((u) => u.UserName));
  expect(resources.map(([, r]) => r.Type).filter((t) => !t.startsWith("AWS::IAM::"))).toEqual([]);
});
