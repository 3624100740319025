// Test support: the LatticeCluster examples with `spec.prerequisites: create`, deployed under the
// mock engine (./mock-engine.ts) with state that stands in for what each cloud would return.
import type * as pulumi from "@pulumi/pulumi";
import { loadValid } from "../../../core/testing/fixtures";
import type { LatticeCluster as ClusterDocument, ProviderName } from "../../../core/spec";
import { LatticeCluster, type LatticeClusterArgs } from "../../cluster";
import { runWithMocks, type MockRun, type StateOf } from "./mock-engine";

/** Values the mocked clouds generate; none may ever appear outside a secret. */
export const SECRETS = {
  awsSecretAccessKey: "mock-aws-secret-access-key-5f2b9c",
  openstackCredentialSecret: "mock-openstack-credential-secret-8d1e4a",
  parentKubeconfig: "apiVersion: v1\nkind: Config\n# mock-parent-kubeconfig-client-key-c0ffee\n",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-ssh-private-key-7a3f\n-----END OPENSSH PRIVATE KEY-----\n",
} as const;

export const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockPublicKeyForTheTestsOnly0000000000 lattice@test";
export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockHostKeyForTheTestsOnly00000000000000";

/** examples/prerequisites/<provider>.yaml. */
export function prerequisiteExample(provider: Exclude<ProviderName, "docker">): ClusterDocument {
  const [d] = loadValid(`examples/prerequisites/${provider}.yaml`);
  if (!d || d.doc.kind !== "LatticeCluster") throw new Error(`no LatticeCluster in the ${provider} example`);
  return d.doc;
}

/** What the clouds return: ids, ARNs and generated secrets. */
export const cloudState: StateOf = (type, name) => {
  switch (type) {
    case "aws:iam/accessKey:AccessKey":
      return { id: "AKIAMOCKACCESSKEYID01", secret: SECRETS.awsSecretAccessKey };
    case "aws:iam/policy:Policy":
    case "aws:iam/role:Role":
    case "aws:iam/group:Group":
    case "aws:iam/user:User":
    case "aws:iam/instanceProfile:InstanceProfile":
      return { arn: `arn:aws:iam::123456789012:${name}` };
    case "openstack:identity/applicationCredential:ApplicationCredential":
      return { id: "ac-0123456789abcdef", secret: SECRETS.openstackCredentialSecret };
    default:
      return {};
  }
};

/** Answers to the OpenStack lookups. */
export const cloudCall = (token: string, inputs: Record<string, unknown>): Record<string, unknown> => {
  if (token === "openstack:networking/getNetwork:getNetwork")
    return { id: "net-3f1c2d4e-0000-4000-8000-000000000001", name: inputs.name };
  if (token === "openstack:images/getImage:getImage")
    return { id: "img-9a8b7c6d-0000-4000-8000-000000000002", name: inputs.name };
  return {};
};

/** Deploy one LatticeCluster under mocks. */
export async function mockCluster(
  name: string,
  doc: ClusterDocument,
  extra: Partial<LatticeClusterArgs> = {},
  opts: pulumi.ComponentResourceOptions = {},
): Promise<MockRun> {
  return runWithMocks(
    () =>
      void new LatticeCluster(
        name,
        {
          clusterName: doc.metadata.name,
          namespace: doc.metadata.namespace ?? "clusters",
          parent: { kubeconfig: SECRETS.parentKubeconfig },
          spec: doc.spec,
          ...extra,
        },
        opts,
      ),
    { state: cloudState, call: cloudCall },
  );
}

/** No mocked secret in any value sent in the clear (inputs or component outputs). */
export function leakedSecrets(run: MockRun): string[] {
  const plain = [...run.registrations.flatMap((r) => r.plainStrings), ...run.outputs.flatMap((o) => o.plainStrings)];
  // Each secret's distinctive token ("mock-…"), so a secret embedded in a larger text is found too.
  const tokens = Object.values(SECRETS).map((s) => /mock-[a-z0-9-]+/.exec(s)![0]);
  return tokens.filter((t) => plain.some((p) => p.includes(t)));
}
