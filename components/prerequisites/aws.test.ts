// The AWS prerequisites of a LatticeCluster under Pulumi's mocks: what the engine would be asked to
// create (CAPA's IAM set with its exact policy documents, the access key, the key pair, the
// credentials Secret), which inputs are secrets, and that the CAPI objects wait for all of it.
// Unit tests of the wiring: the AWS side itself needs the real aws plugin (README).
import { CAPA_IAM, CAPA_NAMESPACE, planPrerequisites } from "../../core/cluster/prerequisites";
import { leakedSecrets, mockCluster, prerequisiteExample, PUBLIC_KEY, SECRETS } from "./__support__/clusters";
import type { MockRun } from "./__support__/mock-engine";

jest.setTimeout(60_000);

const doc = prerequisiteExample("aws");
let run: MockRun;
beforeAll(async () => {
  run = await mockCluster("staging", doc, { prerequisites: { aws: { sshPublicKey: PUBLIC_KEY } } });
});

const ofType = (type: string) => run.registrations.filter((r) => r.type === type);
const cluster = () => run.byName("staging-capi");

test("registers exactly the planned steps, under the component, in the spec's region", () => {
  const plan = planPrerequisites(doc, { namespace: "clusters" })!;
  const planned = plan.steps.map((s) => [s.type, `staging-${s.key}`]);
  const registered = run.registrations
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.name !== "staging-capi")
    .map((r) => [r.type, r.name]);
  expect(registered.sort()).toEqual(planned.sort());
  // 4 roles, 4 policies, 3 instance profiles, 1 group, 1 user: CAPA's set with the bootstrap user.
  expect(ofType("aws:iam/role:Role")).toHaveLength(4);
  expect(ofType("aws:iam/policy:Policy")).toHaveLength(4);
  expect(ofType("aws:iam/instanceProfile:InstanceProfile").map((r) => r.inputs.name)).toEqual([
    "control-plane.cluster-api-provider-aws.sigs.k8s.io",
    "controllers.cluster-api-provider-aws.sigs.k8s.io",
    "nodes.cluster-api-provider-aws.sigs.k8s.io",
  ]);
  const component = run.byName("staging");
  expect(run.registrations.filter((r) => r.type.startsWith("aws:")).every((r) => r.parent === component.urn)).toBe(
    true,
  );
  const provider = run.byName("staging-aws");
  expect([provider.type, provider.inputs.region]).toEqual(["pulumi:providers:aws", "eu-west-1"]);
});

test("every policy and trust document is CAPA's, verbatim", () => {
  for (const p of CAPA_IAM.policies) {
    const r = ofType("aws:iam/policy:Policy").find((x) => x.inputs.name === p.name)!;
    expect([p.name, r.inputs.description, JSON.parse(r.inputs.policy as string)]).toEqual([
      p.name,
      p.description,
      p.document,
    ]);
  }
  for (const role of CAPA_IAM.roles) {
    const r = ofType("aws:iam/role:Role").find((x) => x.inputs.name === role.name)!;
    expect([role.name, JSON.parse(r.inputs.assumeRolePolicy as string)]).toEqual([role.name, role.assumeRolePolicy]);
  }
  const controllers = ofType("aws:iam/policy:Policy").find(
    (x) => x.inputs.name === "controllers.cluster-api-provider-aws.sigs.k8s.io",
  )!;
  const statements = JSON.parse(controllers.inputs.policy as string).Statement as { Action: string[] }[];
  expect(statements[0]!.Action).toContain("ec2:RunInstances");
  expect(statements.flatMap((s) => s.Action)).toContain("iam:PassRole");
});

test("attachments: each policy on the roles and group CAPA attaches it to, AWS-managed ones by ARN", () => {
  // The mocked ARN of a policy names its resource; map it back to the policy's IAM name.
  const policyName = new Map(
    ofType("aws:iam/policy:Policy").map((r) => [`arn:aws:iam::123456789012:${r.name}`, r.inputs.name as string]),
  );
  const attached = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map(
    (r) => `${policyName.get(r.inputs.policyArn as string) ?? r.inputs.policyArn} → ${r.inputs.role}`,
  );
  const roleName = (id: string) => CAPA_IAM.roles.find((r) => r.id === id)!.name;
  const want = [
    ...CAPA_IAM.policies.flatMap((p) => p.roles.map((id) => `${p.name} → ${roleName(id)}`)),
    ...CAPA_IAM.roles.flatMap((r) => r.managedPolicyArns.map((arn) => `${arn} → ${r.name}`)),
  ];
  expect(attached.sort()).toEqual(want.sort());
  const groupAttached = ofType("aws:iam/groupPolicyAttachment:GroupPolicyAttachment").map((r) => r.inputs.group);
  expect(groupAttached).toEqual([
    "bootstrapper.cluster-api-provider-aws.sigs.k8s.io",
    "bootstrapper.cluster-api-provider-aws.sigs.k8s.io",
  ]);
  const membership = ofType("aws:iam/userGroupMembership:UserGroupMembership")[0]!;
  expect(membership.inputs).toEqual({
    user: "bootstrapper.cluster-api-provider-aws.sigs.k8s.io",
    groups: ["bootstrapper.cluster-api-provider-aws.sigs.k8s.io"],
  });
});

test("the key pair carries the given public key under spec…sshKeyName", () => {
  expect(ofType("aws:ec2/keyPair:KeyPair").map((r) => r.inputs)).toEqual([
    { keyName: "lattice-staging-eu", publicKey: PUBLIC_KEY },
  ]);
});

test("the credentials Secret has the keys CAPA reads, where the spec says, and only as a secret", () => {
  const secret = run.byName("staging-credentials");
  expect(secret.type).toBe("kubernetes:core/v1:Secret");
  expect(secret.inputs.metadata).toMatchObject({ name: "capa-lattice-credentials", namespace: CAPA_NAMESPACE });
  expect(secret.inputs.stringData).toEqual({
    AccessKeyID: "AKIAMOCKACCESSKEYID01",
    SecretAccessKey: SECRETS.awsSecretAccessKey,
  });
  expect(secret.secretPaths).toContain("stringData");
  expect(ofType("aws:iam/accessKey:AccessKey")[0]!.additionalSecretOutputs).toContain("secret");
});

test("no secret value is sent or exported in the clear", () => {
  expect(leakedSecrets(run)).toEqual([]);
  const outputs = run.outputs.find((o) => o.urn === run.byName("staging").urn)!;
  expect(outputs.values.prerequisites).toEqual({ accessKeyId: "AKIAMOCKACCESSKEYID01", keyPair: "lattice-staging-eu" });
});

test("the CAPI objects depend on every prerequisite: created after them, deleted before them", () => {
  const prerequisites = run.registrations.filter((r) => r.type.startsWith("aws:") || r.name === "staging-credentials");
  expect(prerequisites.length).toBeGreaterThan(20);
  const deps = new Set(cluster().dependencies);
  expect(prerequisites.filter((p) => !deps.has(p.urn)).map((p) => p.name)).toEqual([]);
  // … and nothing of the cloud waits for the cluster (that would invert the deletion order).
  expect(prerequisites.filter((p) => p.dependencies.includes(cluster().urn))).toEqual([]);
});
