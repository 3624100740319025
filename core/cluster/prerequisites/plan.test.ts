// The pure half of cluster prerequisites: the spec field, the reading of CAPA's template (refusing
// what it does not understand), step keys, and the Proxmox commands' quoting.
import { validateDocument } from "../../spec";
import { loadValid } from "../../testing/fixtures";
import type { LatticeCluster } from "../../spec";
import { fromCloudFormation, planPrerequisites, shellQuote, stepKey, templateCommands, templateStamp } from ".";

const where = { file: "test", doc: 1 };
const docker = loadValid("examples/clusters/docker.yaml")[0]!.doc as LatticeCluster;

test("spec.prerequisites is create or existing, absent by default, and refused for docker", () => {
  const withMode = (prerequisites: unknown) => ({ ...docker, spec: { ...docker.spec, prerequisites } });
  expect(validateDocument(docker, where).ok).toBe(true);
  expect(planPrerequisites(docker, { namespace: "default" })).toBeUndefined();
  const wrong = validateDocument(withMode("yes"), where);
  expect(wrong.ok ? [] : wrong.errors.map((e) => [e.path, e.message])).toEqual([
    ["spec.prerequisites", 'expected "create" | "existing", got "yes"'],
  ]);
  const dockerCreate = validateDocument(withMode("create"), where);
  expect(dockerCreate.ok ? [] : dockerCreate.errors.map((e) => e.path)).toEqual(["spec.prerequisites"]);
});

test("CAPA's template is read exactly, and anything it does not understand is refused", () => {
  const role = {
    Type: "AWS::IAM::Role",
    Properties: {
      RoleName: "nodes.example",
      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole"] }] },
    },
  };
  expect(fromCloudFormation({ Resources: { AWSIAMRoleNodes: role } }, "src").roles).toEqual([
    {
      id: "AWSIAMRoleNodes",
      name: "nodes.example",
      assumeRolePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole"] }] },
      managedPolicyArns: [],
    },
  ]);
  const extra = { ...role, Properties: { ...role.Properties, PermissionsBoundary: "arn:x" } };
  expect(() => fromCloudFormation({ Resources: { R: extra } }, "src")).toThrow(/PermissionsBoundary is not understood/);
  expect(() => fromCloudFormation({ Resources: { B: { Type: "AWS::S3::Bucket", Properties: {} } } }, "src")).toThrow(
    /type AWS::S3::Bucket is not understood/,
  );
});

test("step keys are the CloudFormation ids in kebab case", () => {
  expect(
    ["AWSIAMRoleControlPlane", "AWSIAMManagedPolicyControllersEKS", "AWSIAMRoleEKSControlPlane"].map(stepKey),
  ).toEqual(["iam-role-control-plane", "iam-managed-policy-controllers-eks", "iam-role-eks-control-plane"]);
});

test("host commands quote every value and change stamp exactly with the recipe", () => {
  expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  const recipe = {
    vmid: 9000,
    imageUrl: "https://images.example/a b'c.img",
    storage: "local-lvm",
    bridge: "vmbr0",
    workDir: "/var/lib/vz/lattice",
  };
  const create = templateCommands(recipe, { https_proxy: "http://proxy:3128" }).create;
  expect(create).toContain(`curl -fsSL --retry 3 -o '/var/lib/vz/lattice/image-`);
  expect(create).toContain(`'https://images.example/a b'\\''c.img'`);
  expect(create).toContain(`export https_proxy='http://proxy:3128'`);
  expect(templateStamp(recipe)).toBe(templateStamp({ ...recipe, workDir: "/elsewhere" }));
  expect(templateStamp(recipe)).not.toBe(templateStamp({ ...recipe, imageUrl: "https://images.example/b.img" }));
  expect(templateStamp(recipe)).not.toBe(templateStamp({ ...recipe, storage: "ceph" }));
});
