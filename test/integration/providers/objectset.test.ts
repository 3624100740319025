// The object-set provider's implementation against a real API server (no engine needed to call
// its CRUD functions): ownership by field manager, shared objects, pruning, drift and partial applies.
import { compileNamespaceBaseline, DEFAULT_DNS } from "../../../core/compile";
import type { KubeObject } from "../../../core/k8s/object";
import { keyObjects } from "../../../providers/objectset";
import * as impl from "../../../providers/objectset/impl";
import { resetSession } from "../../../providers/session";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";

jest.setTimeout(120_000);

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane({ name: "objectset", controllerManager: false, crds: ["cilium"] });
});
afterAll(async () => {
  resetSession();
  await cp?.stop();
});
// Each step stands for a new engine operation (a new provider process): no cached lists.
beforeEach(() => resetSession());

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { k: "v" },
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels: { "app.kubernetes.io/managed-by": "lattice", ...labels } },
  data,
});
// A shared object of a kind whose schema requires a spec: the namespace baseline's own policy.
const shared = (name: string): KubeObject => {
  const cnp = compileNamespaceBaseline("default", { dns: DEFAULT_DNS }).find((o) => o.kind === "CiliumNetworkPolicy")!;
  return { ...cnp, metadata: { ...cnp.metadata, name } };
};
const cnpExists = async (name: string) =>
  (await cp.client.getOrUndefined({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    name,
    namespace: "default",
  })) !== undefined;
const set = (fieldManager: string, objects: KubeObject[]): impl.ObjectSetInputs => ({
  kubeconfig: cp.kubeconfig,
  fieldManager,
  objects: keyObjects(objects),
});
const exists = async (name: string) =>
  (await cp.client.getOrUndefined({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" })) !== undefined;

test("check names the property path of a bad document", async () => {
  const res = await impl.check(set("m", []), {
    ...set("m", []),
    objects: {
      "ConfigMap/default/x": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "", namespace: "default" } },
    },
  });
  expect(res.failures).toEqual([
    { property: 'objects["ConfigMap/default/x"].metadata.name', reason: "a name is required" },
  ]);
});

test("a shared object is released by one set and deleted only by its last owner", async () => {
  const a = set("lattice-test-a", [shared("baseline"), cm("only-a")]);
  const b = set("lattice-test-b", [shared("baseline"), cm("only-b")]);
  await impl.create(a);
  await impl.create(b);
  await impl.delete("a", a);
  expect(await exists("only-a")).toBe(false);
  expect(await cnpExists("baseline")).toBe(true); // b still owns it
  const live = await cp.client.get({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    name: "baseline",
    namespace: "default",
  });
  const managers = (live.metadata.managedFields ?? []).map((m) => m.manager);
  expect(managers).toContain("lattice-test-b");
  expect(managers).not.toContain("lattice-test-a");
  await impl.delete("b", b);
  expect(await cnpExists("baseline")).toBe(false);
  expect(await exists("only-b")).toBe(false);
});

test("delete never removes an object another field manager took over", async () => {
  const a = set("lattice-test-c", [cm("taken")]);
  await impl.create(a);
  // Someone else force-applies other values for every field we set: server-side apply moves the
  // ownership of each to them, so our field manager no longer owns anything in the object.
  const theirs = {
    ...cm("taken"),
    metadata: { name: "taken", namespace: "default", labels: { "app.kubernetes.io/managed-by": "someone-else" } },
    data: { k: "theirs" },
  };
  await cp.client.apply(theirs, { fieldManager: "someone-else", force: true });
  const live = await cp.client.get({ apiVersion: "v1", kind: "ConfigMap", name: "taken", namespace: "default" });
  const managers = (live.metadata.managedFields ?? []).map((m) => m.manager);
  expect(managers).toEqual(["someone-else"]);
  await impl.delete("c", a);
  expect(await exists("taken")).toBe(true);
  await cp.client.delete({ apiVersion: "v1", kind: "ConfigMap", name: "taken", namespace: "default" });
});

test("update prunes documents that left the set and applies new ones", async () => {
  const v1 = set("lattice-test-d", [cm("keep"), cm("drop")]);
  await impl.create(v1);
  const v2 = set("lattice-test-d", [cm("keep"), cm("new")]);
  await impl.update("d", v1, v2);
  expect([await exists("keep"), await exists("drop"), await exists("new")]).toEqual([true, false, true]);
  await impl.delete("d", v2);
});

test("diff sees a hand edit in the cluster; read projects it; update restores it", async () => {
  const s = set("lattice-test-e", [cm("watched", {}, { k: "desired" })]);
  await impl.create(s);
  expect((await impl.diff("e", s, s)).changes).toBe(false);
  await cp.client.apply({ ...cm("watched"), data: { k: "by-hand" } }, { fieldManager: "kubectl", force: true });
  resetSession(); // the next engine operation
  expect((await impl.diff("e", s, s)).changes).toBe(true);
  const refreshed = await impl.read("e", s);
  expect(refreshed.props!.objects["ConfigMap/default/watched"]!.data).toEqual({ k: "by-hand" });
  await impl.update("e", refreshed.props!, s);
  const live = await cp.client.get({ apiVersion: "v1", kind: "ConfigMap", name: "watched", namespace: "default" });
  expect(live.data).toEqual({ k: "desired" });
  expect((await impl.diff("e", s, s)).changes).toBe(false);
  await impl.delete("e", s);
});

test("a failure part-way records what was applied, with the server's reason", async () => {
  const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "z_Bad", namespace: "default" } } as KubeObject; // sorts after "first"
  const s = {
    ...set("lattice-test-f", [cm("first")]),
    objects: { ...keyObjects([cm("first")]), "ConfigMap/default/z_Bad": bad },
  };
  const err = (await impl.create(s).then(
    () => undefined,
    (e: unknown) => e,
  )) as { id?: string; properties?: impl.ObjectSetInputs; message: string };
  expect(err.id).toBeTruthy(); // Pulumi records a partially created resource
  expect(Object.keys(err.properties!.objects)).toEqual(["ConfigMap/default/first"]);
  expect(err.message).toContain("ConfigMap/default/z_Bad");
  expect(err.message).toMatch(/applied 1 of 2/);
  await impl.delete("f", err.properties!);
  expect(await exists("first")).toBe(false);
});
