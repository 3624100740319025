// The OpenStack prerequisites of a LatticeCluster under Pulumi's mocks: the lookups by name, the
// application credential, the key pair and the clouds.yaml Secret CAPO reads (its exact shape, its
// labels for clusterctl move, kept secret), and that the CAPI objects wait for all of it.
import { parse } from "yaml";
import { planPrerequisites } from "../../core/cluster/prerequisites";
import { leakedSecrets, mockCluster, prerequisiteExample, PUBLIC_KEY, SECRETS } from "./__support__/clusters";
import type { MockRun } from "./__support__/mock-engine";

jest.setTimeout(60_000);

const doc = prerequisiteExample("openstack");
const settings = {
  authUrl: "https://keystone.example.org:5000/v3",
  region: "RegionOne",
  sshPublicKey: PUBLIC_KEY,
  applicationCredential: { roles: ["member", "load-balancer_member"] },
};
let run: MockRun;
beforeAll(async () => {
  run = await mockCluster("research", doc, { prerequisites: { openstack: settings } });
});

test("looks up the external network and the image by name before anything is created", () => {
  expect(run.calls.map((c) => [c.token, c.inputs])).toEqual([
    ["openstack:networking/getNetwork:getNetwork", { name: "public", external: true }],
    ["openstack:images/getImage:getImage", { name: "ubuntu-2404-kube-v1.31.6", mostRecent: true }],
  ]);
});

test("registers exactly the planned resources", () => {
  const plan = planPrerequisites(doc, { namespace: "clusters" })!;
  const planned = plan.steps.filter((s) => s.kind === "resource").map((s) => [s.type, `research-${s.key}`]);
  const registered = run.registrations
    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.name !== "research-capi")
    .map((r) => [r.type, r.name]);
  expect(registered.sort()).toEqual(planned.sort());
  expect(run.byName("research-application-credential").inputs).toEqual({
    name: "lattice-clusters-research",
    description: "Cluster API (CAPO) credential of LatticeCluster clusters/research",
    unrestricted: false,
    roles: ["member", "load-balancer_member"],
  });
  expect(run.byName("research-key-pair").inputs).toEqual({ name: "lattice-research", publicKey: PUBLIC_KEY });
});

test("the clouds.yaml Secret: CAPO's shape, in the cluster's namespace, labelled to move, secret", () => {
  const secret = run.byName("research-clouds-yaml");
  const metadata = secret.inputs.metadata as { name: string; namespace: string; labels: Record<string, string> };
  expect([metadata.name, metadata.namespace]).toEqual(["research-clouds-yaml", "clusters"]);
  expect(metadata.labels).toMatchObject({
    "clusterctl.cluster.x-k8s.io/move": "",
    "cluster.x-k8s.io/cluster-name": "research",
    "lattice.dev/cluster": "research",
  });
  expect(secret.inputs.metadata).toMatchObject({
    annotations: {
      "lattice.dev/external-network-id": "net-3f1c2d4e-0000-4000-8000-000000000001",
      "lattice.dev/image-id": "img-9a8b7c6d-0000-4000-8000-000000000002",
    },
  });
  expect(secret.secretPaths).toContain("stringData");
  const data = secret.inputs.stringData as Record<string, string>;
  expect(Object.keys(data)).toEqual(["clouds.yaml"]);
  expect(parse(data["clouds.yaml"]!)).toEqual({
    clouds: {
      openstack: {
        auth_type: "v3applicationcredential",
        auth: {
          auth_url: "https://keystone.example.org:5000/v3",
          application_credential_id: "ac-0123456789abcdef",
          application_credential_secret: SECRETS.openstackCredentialSecret,
        },
        region_name: "RegionOne",
        interface: "public",
        identity_api_version: 3,
      },
    },
  });
});

test("no secret value is sent or exported in the clear", () => {
  expect(leakedSecrets(run)).toEqual([]);
  const outputs = run.outputs.find((o) => o.urn === run.byName("research").urn)!;
  expect(outputs.values.prerequisites).toEqual({
    applicationCredentialId: "ac-0123456789abcdef",
    externalNetworkId: "net-3f1c2d4e-0000-4000-8000-000000000001",
    imageId: "img-9a8b7c6d-0000-4000-8000-000000000002",
  });
});

test("the CAPI objects depend on every prerequisite", () => {
  const cluster = run.byName("research-capi");
  const prerequisites = ["research-application-credential", "research-key-pair", "research-clouds-yaml"].map(
    run.byName,
  );
  expect(prerequisites.filter((p) => !cluster.dependencies.includes(p.urn)).map((p) => p.name)).toEqual([]);
  expect(prerequisites.filter((p) => p.dependencies.includes(cluster.urn))).toEqual([]);
});

test("a clouds Secret in another namespace than the cluster's is refused, naming the field", async () => {
  const elsewhere = JSON.parse(JSON.stringify(doc)) as typeof doc;
  elsewhere.spec.provider.config.openstack!.cloudsSecretRef.namespace = "lattice-system";
  await expect(mockCluster("elsewhere", elsewhere, { prerequisites: { openstack: settings } })).rejects.toThrow(
    /cloudsSecretRef\.namespace: CAPO reads the clouds\.yaml Secret from the cluster's namespace "clusters"/,
  );
});
