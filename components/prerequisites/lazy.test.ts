// The cloud SDKs are loaded only by a stack that uses them, submodule by submodule: a Docker
// cluster, an AWS cluster whose prerequisites already exist and a Proxmox cluster on Lattice's SSH
// runner load none of @pulumi/aws, @pulumi/openstack or @pulumi/command. (jest.mock factories run on
// the first require of a module, so they record exactly what was loaded.)
import { loadValid } from "../../core/testing/fixtures";
import type { LatticeCluster as ClusterDocument } from "../../core/spec";
import { HOST_KEY, mockCluster, prerequisiteExample, PUBLIC_KEY, SECRETS } from "./__support__/clusters";

jest.setTimeout(60_000);

// A function declaration and a global list: both exist before any import runs (an eager import of
// an SDK would call a factory while this file's imports are still being evaluated).
type Tracked = typeof globalThis & { mockLoaded?: string[] };
function mockTrack(id: string): unknown {
  ((globalThis as Tracked).mockLoaded ??= []).push(id);
  return jest.requireActual(id);
}
const mockLoaded = ((globalThis as Tracked).mockLoaded ??= []);
jest.mock("@pulumi/aws/iam", () => mockTrack("@pulumi/aws/iam"));
jest.mock("@pulumi/aws/ec2", () => mockTrack("@pulumi/aws/ec2"));
jest.mock("@pulumi/aws/provider", () => mockTrack("@pulumi/aws/provider"));
jest.mock("@pulumi/aws", () => mockTrack("@pulumi/aws"));
jest.mock("@pulumi/openstack", () => mockTrack("@pulumi/openstack"));
jest.mock("@pulumi/command/remote", () => mockTrack("@pulumi/command/remote"));
jest.mock("@pulumi/command", () => mockTrack("@pulumi/command"));

const example = (file: string) => loadValid(`examples/clusters/${file}`)[0]!.doc as ClusterDocument;
const proxmox = {
  ssh: { host: "pve1", hostKey: HOST_KEY, privateKey: SECRETS.sshPrivateKey },
  imageUrl: "https://images.example/noble.img",
};

test("Docker, existing AWS prerequisites and Proxmox over Lattice's SSH runner load no cloud SDK", async () => {
  await mockCluster("dev", example("docker.yaml"));
  await mockCluster("prod", example("aws.yaml"));
  await mockCluster("lab", prerequisiteExample("proxmox"), { prerequisites: { proxmox } });
  expect(mockLoaded).toEqual([]);
});

test("the pulumi-command runner loads @pulumi/command/remote alone", async () => {
  await mockCluster("lab", prerequisiteExample("proxmox"), {
    prerequisites: { proxmox: { ...proxmox, runner: "pulumi-command" } },
  });
  expect(mockLoaded.splice(0)).toEqual(["@pulumi/command/remote"]);
});

test("AWS prerequisites load the aws submodules they use, not the whole package", async () => {
  await mockCluster("staging", prerequisiteExample("aws"), { prerequisites: { aws: { sshPublicKey: PUBLIC_KEY } } });
  expect(mockLoaded.splice(0).sort()).toEqual(["@pulumi/aws/ec2", "@pulumi/aws/iam", "@pulumi/aws/provider"]);
});
