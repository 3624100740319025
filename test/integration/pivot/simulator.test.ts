// The machine simulator as a pivot needs it (test/harness/machine-simulator.ts): it leaves a paused
// cluster alone, and once the cluster is unpaused it rebuilds the provider statuses a move dropped
// (DockerMachine provisioned, KubeadmConfig's data Secret name) from what exists, without
// rendering new bootstrap data for a Machine that already has it.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../../core/k8s/object";
import { startControlPlanes, type ControlPlane } from "../../harness/controlplane";
import { startMachineSimulator, type MachineSimulator } from "../../harness/machine-simulator";
import { SMALL, loadInto, prepare } from "./support/bed";

jest.setTimeout(180_000);

const NS = "sim";
let cp: ControlPlane;
let child: ControlPlane;
let sim: MachineSimulator | undefined;

beforeAll(async () => {
  [cp, child] = (await startControlPlanes(2, { name: "sim" })) as [ControlPlane, ControlPlane];
  await prepare(cp, "target");
  await loadInto(cp, {
    ...SMALL,
    namespace: NS,
    endpoint: { host: "127.0.0.1", port: child.port },
    kubeconfig: child.kubeconfig,
  });
});
afterAll(async () => {
  await sim?.stop();
  await Promise.all([cp?.stop(), child?.stop()]);
});

const ref = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, name, namespace: NS });
const DM = (name: string) => ref("infrastructure.cluster.x-k8s.io/v1beta2", "DockerMachine", name);
const CFG = (name: string) => ref("bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfig", name);
const CLUSTER = ref("cluster.x-k8s.io/v1beta2", "Cluster", "edge");
const MACHINE = "edge-default-5d8f7b9c4-b2n6w";

async function patch(r: ReturnType<typeof ref>, body: object, sub = ""): Promise<void> {
  const path = await cp.client.pathOf(r.apiVersion, r.kind, r.namespace, r.name);
  await cp.client.request("PATCH", path + sub, body, "application/merge-patch+json");
}
const status = async (r: ReturnType<typeof ref>) =>
  ((await cp.client.get(r)) as KubeObject).status as Record<string, unknown> | undefined;

test("a paused cluster is left alone; unpaused, the dropped statuses are rebuilt from what exists", async () => {
  // As after a move: statuses gone, the Cluster paused.
  await patch(CLUSTER, { spec: { paused: true } });
  await patch(DM(MACHINE), { status: null }, "/status");
  await patch(CFG(MACHINE), { status: null }, "/status");
  const secretBefore = await cp.client.get({ apiVersion: "v1", kind: "Secret", name: MACHINE, namespace: NS });
  sim = startMachineSimulator({
    parent: cp.client,
    childOf: (c) => (c === "edge" ? child : undefined),
    intervalMs: 200,
  });
  await sleep(3_000);
  expect(await status(DM(MACHINE))).toBeUndefined();
  expect(await status(CFG(MACHINE))).toBeUndefined();

  await patch(CLUSTER, { spec: { paused: null } });
  for (let i = 0; i < 100 && !(await status(DM(MACHINE)))?.initialization; i++) await sleep(200);
  expect((await status(DM(MACHINE)))?.initialization).toEqual({ provisioned: true });
  for (let i = 0; i < 100 && !(await status(CFG(MACHINE)))?.dataSecretName; i++) await sleep(200);
  expect((await status(CFG(MACHINE)))?.dataSecretName).toBe(MACHINE);
  // The Machine already named its data: the Secret was kept, not rendered again.
  const secretAfter = await cp.client.get({ apiVersion: "v1", kind: "Secret", name: MACHINE, namespace: NS });
  expect(secretAfter.data).toEqual(secretBefore.data);
  expect(sim.log.join("\n")).toMatch(new RegExp(`KubeadmConfig ${MACHINE}: status rebuilt`));
});
