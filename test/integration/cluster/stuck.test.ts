// A provisioning that never finishes (the simulated cloud never provisions infrastructure) hits
// its deadline with a message saying what it was waiting for; the half-made cluster is recorded in
// the state (not forgotten), and destroy still removes it from the parent.
import * as path from "node:path";
import { ensureNamespace } from "../../../agent/api/namespace";
import { installLinkCrds } from "../../../agent/deploy/crds";
import { publishEndpoint } from "../../../agent/cell/endpoint";
import { startCapi, type CapiManager } from "../../harness/capi";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { startMachineSimulator, type MachineSimulator } from "../../harness/machine-simulator";
import { openStack, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

jest.setTimeout(300_000);

let parent: ControlPlane;
let child: ControlPlane;
let capi: CapiManager;
let sim: MachineSimulator;
let stack: TestStack;

beforeAll(async () => {
  [parent, child] = await Promise.all([
    startControlPlane({ name: "stuck-parent" }),
    startControlPlane({ name: "stuck-child", controllerManager: false }),
  ]);
  capi = await startCapi(parent);
  await installLinkCrds(parent.client);
  // No cell needs to run for this: only its published endpoint, which token issuing reads.
  await ensureNamespace(parent.client, "lattice-system");
  await publishEndpoint(parent.client, "lattice-system", {
    bootstrapUrl: "https://127.0.0.1:9",
    grpcAddress: "127.0.0.1:9",
    serverName: "lattice-cell",
    caBundle: "(no cell runs in this test)",
  });
  sim = startMachineSimulator({ parent: parent.client, childOf: () => child, stallInfrastructure: true });
  stack = await openStack({
    workDir: path.join(ROOT, "test", "programs", "cluster"),
    stackName: "stuck",
    config: {
      parentKubeconfig: { value: parent.kubeconfig, secret: true },
      workers: { value: "1" },
      timeoutSeconds: { value: "15" },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await sim?.stop();
  await capi?.stop();
  await parent?.stop();
  await child?.stop();
});

test("up fails at the deadline naming what it waited for, and keeps the half-made cluster in the state", async () => {
  const err = (await stack.up().then(
    () => undefined,
    (e: unknown) => e,
  )) as Error | undefined;
  expect(err?.message).toMatch(
    /LatticeCluster clusters\/edge: not ready after 15 s; waiting for: infrastructure provisioned; control plane initialized; phase Provisioned \(now \w+\); machines ready 0\/2; agent connected \(link never-connected\)/,
  );
  const state = (await stack.stack.exportStack()).deployment as {
    resources: { type: string; initErrors?: string[] }[];
  };
  const cluster = state.resources.find((r) => r.type === "pulumi-nodejs:dynamic/lattice:Cluster");
  expect(cluster?.initErrors?.[0]).toMatch(/not ready after 15 s/);
  expect(
    await parent.client.getOrUndefined({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      name: "edge",
      namespace: "clusters",
    }),
  ).toBeDefined();
});

test("destroy removes the half-made cluster", async () => {
  await stack.destroy();
  expect(await parent.client.list("cluster.x-k8s.io/v1beta2", "Cluster", { namespace: "clusters" })).toEqual([]);
  expect(
    await parent.client.list("infrastructure.cluster.x-k8s.io/v1beta2", "DockerCluster", { namespace: "clusters" }),
  ).toEqual([]);
});
