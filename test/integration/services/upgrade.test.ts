// Upgrading a stack made by the previous resource model (per service a component, a Membership, a
// Policy and @pulumi/kubernetes resources: test/programs/upgrade/previous-model.ts) to the ServiceSet
// (docs/decisions/resource-model.md), through the real engine against a real kube-apiserver: no live
// object is deleted or re-created (every UID is the same), the previous model's field managers are
// gone from every object, its @pulumi/kubernetes resources stay in the state for one run with
// retainOnDelete and then leave it without a call to the cluster.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { keyOf, type KubeObject } from "../../../core/k8s/object";
import { listEverything } from "../../../kube/inventory";
import { managersOf } from "../../../providers/objectset/fields";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { openStack, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

jest.setTimeout(600_000);

const apps = mkdtempSync(path.join(os.tmpdir(), "lattice-upgrade-"));
let cp: ControlPlane;
let stack: TestStack;

beforeAll(async () => {
  cpSync(path.join(ROOT, "examples", "webapp"), path.join(apps, "webapp"), { recursive: true });
  cp = await startControlPlane({ name: "upgrade", crds: ["cilium", "istio"] });
  stack = await openStack({
    workDir: path.join(ROOT, "test", "programs", "upgrade"),
    stackName: "upgrade",
    config: {
      kubeconfig: { value: cp.kubeconfig, secret: true },
      services: { value: path.join(apps, "webapp") },
      model: { value: "previous" },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await cp?.stop();
  rmSync(apps, { recursive: true, force: true });
});

const lattice = () => listEverything(cp.client, "app.kubernetes.io/managed-by=lattice");
const uidsOf = (objects: KubeObject[]) =>
  Object.fromEntries(objects.map((o) => [keyOf(o), (o.metadata as { uid?: string }).uid]));
type State = { resources: { type: string; urn: string; retainOnDelete?: boolean }[] };
const state = async () => (await stack.stack.exportStack()).deployment as State;
const PREVIOUS_MANAGER = /^(pulumi-kubernetes-|lattice\.declarations\.|lattice\.policy\.)/;

test("a stack of the previous model upgrades in place: same UIDs, new owners, old resources retained then dropped", async () => {
  await stack.up();
  const before = await lattice();
  const uids = uidsOf(before);
  // The previous model's shape: its resources and its field managers on the live objects.
  expect(Object.keys(uids)).toEqual(
    expect.arrayContaining([
      "Deployment/webapp/api",
      "PersistentVolumeClaim/webapp/postgres.data",
      "Namespace/webapp",
      "ConfigMap/webapp/lattice.service.api",
      "CiliumNetworkPolicy/webapp/api",
    ]),
  );
  const api = before.find((o) => keyOf(o) === "Deployment/webapp/api")!;
  expect(managersOf(api).some((m) => m.startsWith("pulumi-kubernetes-"))).toBe(true);
  const types = (await state()).resources.map((r) => r.type);
  expect(types.filter((t) => t === "pulumi-nodejs:dynamic/lattice:Membership")).toHaveLength(5);
  expect(types.filter((t) => t === "kubernetes:apps/v1:Deployment")).toHaveLength(5);

  // The upgrade: the same stack, the current program.
  await stack.setConfig({ model: { value: "current" } });
  const up = await stack.up();
  expect(up.changes.replace ?? 0).toBe(0);
  const after = await lattice();
  expect(uidsOf(after)).toEqual(uids); // nothing deleted, nothing re-created, nothing new
  for (const o of after) expect(managersOf(o).filter((m) => PREVIOUS_MANAGER.test(m))).toEqual([]);
  expect(managersOf(after.find((o) => keyOf(o) === "Deployment/webapp/api")!)).toContain("lattice.service.webapp.api");
  const upgraded = (await state()).resources;
  expect(upgraded.filter((r) => /lattice:(Membership|Policy|Barrier)$/.test(r.type))).toEqual([]);
  expect(upgraded.filter((r) => r.type === "pulumi-nodejs:dynamic/lattice:ServiceSet")).toHaveLength(1);
  const retained = upgraded.filter((r) => r.type.startsWith("kubernetes:"));
  expect(retained.length).toBeGreaterThanOrEqual(15);
  for (const r of retained) expect([r.urn, r.retainOnDelete]).toEqual([r.urn, true]);

  // The next run finds no previous manager: the retained resources leave the state, the objects stay.
  const next = await stack.up();
  expect(next.changes.delete).toBeGreaterThanOrEqual(retained.length);
  expect(uidsOf(await lattice())).toEqual(uids);
  const final = (await state()).resources.map((r) => r.type);
  expect(final.filter((t) => t.startsWith("kubernetes:") || t === "lattice:index:LatticeService")).toEqual([]);

  // And then it is an ordinary stack of the new model: a no-op, then a destroy that leaves nothing.
  const noop = await stack.up();
  expect(Object.keys(noop.changes)).toEqual(["same"]);
  await stack.destroy();
  // Namespace deletion is asynchronous: the namespace controller empties it, then it goes.
  let left = (await lattice()).map(keyOf);
  for (let i = 0; i < 120 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = (await lattice()).map(keyOf);
  }
  expect(left).toEqual([]);
});
