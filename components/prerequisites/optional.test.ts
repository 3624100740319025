// A stack that asks for prerequisites whose SDK is not installed fails before registering anything,
// saying which npm package and which engine plugin to install.
import { mockCluster, prerequisiteExample, PUBLIC_KEY } from "./__support__/clusters";

jest.setTimeout(60_000);

jest.mock("@pulumi/openstack/networking", () => {
  throw Object.assign(new Error("Cannot find module '@pulumi/openstack/networking' from 'optional.ts'"), {
    code: "MODULE_NOT_FOUND",
  });
});

test("a missing SDK is named with what to install", async () => {
  const settings = { authUrl: "https://keystone.example.org:5000/v3", sshPublicKey: PUBLIC_KEY };
  const run = mockCluster("research", prerequisiteExample("openstack"), { prerequisites: { openstack: settings } });
  await expect(run).rejects.toThrow(
    'LatticeCluster research needs the npm package @pulumi/openstack, which is not installed: npm install @pulumi/openstack@"^3.15.2", and its engine plugin: pulumi plugin install resource openstack 3.15.2',
  );
});
