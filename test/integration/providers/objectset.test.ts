// The object-set provider's implementation against a real API server with the real Cilium and Istio
// CRDs (no engine needed to call its CRUD functions): drift on every kind Lattice's providers write,
// ownership (refusal, adoption, recorded UIDs, namespaces created or joined), shared objects,
// pruning and partial applies. The engine path of the same rules: test/integration/services.
import { compileDeclarationRecord } from "../../../core/agreements";
import { compileCatalog, compileNamespaceBaseline, DEFAULT_DNS, EMITTED_KINDS } from "../../../core/compile";
import { keyOf, refOf, type KubeObject, type ObjectRef } from "../../../core/k8s/object";
import { loadDocuments, type LatticeService } from "../../../core/spec";
import * as membership from "../../../providers/membership/impl";
import { keyObjects } from "../../../providers/objectset";
import * as impl from "../../../providers/objectset/impl";
import { CREATED_ANNOTATION } from "../../../providers/objectset/ownership";
import { resetSession } from "../../../providers/session";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";

jest.setTimeout(120_000);

let cp: ControlPlane;
let stderr: string[] = [];
beforeAll(async () => {
  cp = await startControlPlane({ name: "objectset", controllerManager: false, crds: ["cilium", "istio"] });
});
afterAll(async () => {
  resetSession();
  await cp?.stop();
});
// Each step stands for a new engine operation (a new provider process): no cached lists. What the
// provider prints (the engine shows its stderr) is kept for assertions.
beforeEach(() => {
  resetSession();
  stderr = [];
  jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void stderr.push(args.join(" ")));
});
afterEach(() => jest.restoreAllMocks());

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { k: "v" },
  namespace = "default",
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "lattice", ...labels } },
  data,
});
// A shared object of a kind whose schema requires a spec: the namespace baseline's own policy.
const shared = (name: string): KubeObject => {
  const cnp = compileNamespaceBaseline("default", { dns: DEFAULT_DNS }).find((o) => o.kind === "CiliumNetworkPolicy")!;
  return { ...cnp, metadata: { ...cnp.metadata, name } };
};
const cmRef = (name: string, namespace = "default"): ObjectRef => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  name,
  namespace,
});
const cnpExists = async (name: string) =>
  (await cp.client.getOrUndefined({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    name,
    namespace: "default",
  })) !== undefined;
const set = (
  fieldManager: string,
  objects: KubeObject[],
  extra: Partial<impl.ObjectSetInputs> = {},
): impl.ObjectSetInputs => ({
  kubeconfig: cp.kubeconfig,
  fieldManager,
  objects: keyObjects(objects),
  ...extra,
});
const exists = async (name: string, namespace = "default") =>
  (await cp.client.getOrUndefined(cmRef(name, namespace))) !== undefined;
const managersOf = (o: KubeObject) => (o.metadata.managedFields ?? []).map((m) => m.manager);
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { id?: string; properties?: impl.ObjectSetInputs; message: string },
  );
/** The outputs of a create: the state the engine keeps (with the UIDs). */
const created = async (s: impl.ObjectSetInputs) => (await impl.create(s)).outs!;
const mergePatch = async (ref: ObjectRef, patch: unknown, fieldManager: string) => {
  const path = await cp.client.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
  await cp.client.request("PATCH", `${path}?fieldManager=${fieldManager}`, patch, "application/merge-patch+json");
};

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

describe("drift on every kind Lattice's providers write: a widening edit is seen, named and repaired", () => {
  // One object of each kind from the compiler's catalog (every kind and rule shape it emits), the
  // two edits of issue 18 among them: the allow-nothing baseline policy and a service's Cilium rule.
  const catalog = compileCatalog();
  const record = compileDeclarationRecord(
    loadDocuments([
      {
        file: "record.yaml",
        text: "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: api, namespace: catalog-a}\nspec:\n  containers: {main: {image: x}}\n",
      },
    ]).docs[0]!.doc as LatticeService,
    "catalog-a",
  );
  const pick = (kind: string, name?: string) =>
    catalog.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!;
  const objects: KubeObject[] = [
    pick("Namespace", "catalog-a"),
    pick("CiliumNetworkPolicy", "api"),
    pick("CiliumClusterwideNetworkPolicy"),
    pick("AuthorizationPolicy", "lattice.allow-nothing"),
    pick("PeerAuthentication"),
    pick("ServiceEntry"),
    record,
  ];
  const WORKLOAD_KINDS = ["v1/ServiceAccount", "v1/Service", "v1/PersistentVolumeClaim", "apps/v1/Deployment"];
  const kinds = () => set("lattice.test.kinds", objects);

  type Edit = { field: string; apply: (o: KubeObject) => Promise<void> };
  const ssa = (o: KubeObject, spec: unknown) =>
    cp.client.apply(
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
        spec,
      },
      { fieldManager: "kubectl", force: true },
    );
  const specOf = (o: KubeObject) => o.spec as Record<string, unknown[]>;
  const widen = (list: unknown[], extra: object) => [{ ...(list[0] as object), ...extra }, ...list.slice(1)];
  const EDITS: Record<string, Edit> = {
    Namespace: {
      field: 'metadata.labels["istio.io/use-waypoint"] added (by kubectl-label)',
      apply: (o) =>
        mergePatch(refOf(o), { metadata: { labels: { "istio.io/use-waypoint": "waypoint" } } }, "kubectl-label"),
    },
    CiliumNetworkPolicy: {
      field: "spec.ingress[0].fromEntities added (by kubectl)",
      apply: (o) =>
        ssa(o, {
          ...specOf(o),
          ingress: widen(specOf(o).ingress!, { fromEntities: ["world"] }),
        }).then(() => undefined),
    },
    CiliumClusterwideNetworkPolicy: {
      field: "spec.egress[0].toEntities added (by kubectl)",
      apply: (o) =>
        ssa(o, {
          ...specOf(o),
          egress: widen(specOf(o).egress!, { toEntities: ["world"] }),
        }).then(() => undefined),
    },
    AuthorizationPolicy: {
      field: "spec.rules added (by kubectl)",
      apply: (o) => ssa(o, { rules: [{}] }).then(() => undefined),
    },
    PeerAuthentication: {
      field: "spec.mtls.mode changed (by kubectl-patch)",
      apply: (o) => mergePatch(refOf(o), { spec: { mtls: { mode: "PERMISSIVE" } } }, "kubectl-patch"),
    },
    ServiceEntry: {
      field: "spec.hosts changed (by kubectl)",
      apply: (o) =>
        ssa(o, { ...specOf(o), hosts: [...(specOf(o).hosts as string[]), "evil.example.com"] }).then(() => undefined),
    },
    ConfigMap: {
      field: "data.extra added (by kubectl-edit)",
      apply: (o) => mergePatch(refOf(o), { data: { extra: "anything" } }, "kubectl-edit"),
    },
  };
  let state: impl.ObjectSetInputs;

  beforeAll(async () => {
    resetSession();
    jest.spyOn(console, "error").mockImplementation(() => undefined);
    state = await created(kinds());
    jest.restoreAllMocks();
  });

  test("the table covers every kind the providers write (the compiler's kinds but workloads, plus records)", () => {
    const written = [...EMITTED_KINDS.filter((k) => !WORKLOAD_KINDS.includes(k)), "v1/ConfigMap"].sort();
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`).sort()).toEqual(written);
    expect(Object.keys(EDITS).sort()).toEqual(objects.map((o) => o.kind).sort());
    expect(specOf(pick("AuthorizationPolicy", "lattice.allow-nothing"))).toEqual({});
  });

  test("as applied: no drift", async () => {
    expect((await impl.diff("kinds", state, kinds())).changes).toBe(false);
    expect(stderr).toEqual([]);
  });

  test.each(objects.map((o) => [keyOf(o), o] as const))("%s", async (key, obj) => {
    const edit = EDITS[obj.kind]!;
    await edit.apply(obj);
    resetSession();
    expect((await impl.diff("kinds", state, kinds())).changes).toBe(true);
    expect(stderr).toEqual([`Lattice: drift: ${key}: ${edit.field}`]);
    // refresh records the live object as drift sees it: the state then differs from the documents
    const refreshed = (await impl.read("kinds", state)).props!;
    expect(refreshed.objects[key]).not.toEqual(obj);
    await impl.update("kinds", refreshed, kinds());
    resetSession();
    stderr = [];
    expect((await impl.diff("kinds", state, kinds())).changes).toBe(false);
    expect(stderr).toEqual([]);
    const live = await cp.client.get(refOf(obj));
    for (const k of Object.keys(obj).filter((k) => !["apiVersion", "kind", "metadata"].includes(k)))
      expect(live[k]).toEqual(obj[k]);
    expect(live.metadata.labels).toEqual(
      obj.kind === "Namespace"
        ? { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name }
        : obj.metadata.labels,
    );
  });
});

describe("ownership", () => {
  test("an object Lattice did not create is refused, naming it and its manager; nothing is applied", async () => {
    await cp.client.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "by-hand", namespace: "default" },
        data: { theirs: "1" },
      },
      { fieldManager: "kubectl-client-side-apply", force: false },
    );
    const s = set("lattice-test-own", [cm("by-hand"), cm("beside-it")]);
    const err = await failureOf(impl.create(s));
    expect(err!.message).toMatch(
      /ConfigMap\/default\/by-hand already exists and Lattice did not create it \(managed by kubectl-client-side-apply\)/,
    );
    expect(err!.message).toContain('metadata.annotations["lattice.dev/adopt"]: "true"');
    expect(err!.properties).toBeUndefined(); // nothing applied: no half-made resource to record
    expect(await exists("beside-it")).toBe(false);
    expect((await cp.client.get(cmRef("by-hand"))).data).toEqual({ theirs: "1" });

    // With the document's opt-in it is adopted: Lattice's from now on, exactly as the document says.
    const adopted = await created({ ...s, adopt: true });
    expect(stderr.join("\n")).toMatch(/adopting ConfigMap\/default\/by-hand \(managed by kubectl-client-side-apply\)/);
    const live = await cp.client.get(cmRef("by-hand"));
    expect(live.data).toEqual({ k: "v" });
    expect(live.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "lattice" });
    expect(managersOf(live)).toContain("lattice-test-own");
    resetSession();
    expect((await impl.diff("own", adopted, s)).changes).toBe(false);
    await impl.delete("own", adopted);
    expect([await exists("by-hand"), await exists("beside-it")]).toEqual([false, false]);
  });

  test("an object deleted and re-created under the same name by someone else is not deleted", async () => {
    const s = await created(set("lattice-test-uid", [cm("recreated")]));
    expect(s.uids!["ConfigMap/default/recreated"]).toMatch(/^[0-9a-f-]{36}$/);
    await cp.client.delete(cmRef("recreated"));
    await cp.client.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "recreated", namespace: "default" },
        data: { k: "theirs" },
      },
      { fieldManager: "kubectl", force: false },
    );
    resetSession();
    // preview says so, and up refuses to take it
    expect((await impl.diff("uid", s, set("lattice-test-uid", [cm("recreated")]))).changes).toBe(true);
    expect(stderr).toEqual([
      "Lattice: drift: ConfigMap/default/recreated: exists but is not Lattice's (managed by kubectl)",
    ]);
    await impl.delete("uid", s);
    expect((await cp.client.get(cmRef("recreated"))).data).toEqual({ k: "theirs" });
    expect(stderr.join("\n")).toMatch(/ConfigMap\/default\/recreated is no longer managed by this Lattice resource/);
    await cp.client.delete(cmRef("recreated"));
  });

  test("an object re-created with Lattice's own field manager (by a copy of its request) is still not deleted: the UID differs", async () => {
    const s = await created(set("lattice-test-uid2", [cm("copied")]));
    await cp.client.delete(cmRef("copied"));
    await cp.client.apply(cm("copied", {}, { k: "copy" }), { fieldManager: "lattice-test-uid2", force: false });
    await impl.delete("uid2", s);
    expect((await cp.client.get(cmRef("copied"))).data).toEqual({ k: "copy" });
    expect(stderr.join("\n")).toMatch(
      /ConfigMap\/default\/copied was re-created since Lattice applied it .*: left in place/,
    );
    await cp.client.delete(cmRef("copied"));
  });

  const baseline = (ns: string) => keyObjects(compileNamespaceBaseline(ns, { dns: DEFAULT_DNS }));
  const member = (ns: string): membership.MembershipInputs => ({
    kubeconfig: cp.kubeconfig,
    namespace: ns,
    baseline: baseline(ns),
    record: keyObjects([
      cm("lattice.service.api", { "lattice.dev/declarations": "true" }, { "declarations.json": "{}" }, ns),
    ]),
    recordManager: `lattice.declarations.${ns}.api`,
  });
  const nsOf = (name: string) => cp.client.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name });
  const policiesIn = async (ns: string) =>
    (await cp.client.list("cilium.io/v2", "CiliumNetworkPolicy", { namespace: ns })).map((o) => o.metadata.name);

  test("a workload name someone else holds is refused by the membership, before @pulumi/kubernetes could take it", async () => {
    await cp.client.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "guarded" } },
      { fieldManager: "kubectl-create", force: false },
    );
    await cp.client.apply(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "api", namespace: "guarded", labels: { team: "x" } },
      },
      { fieldManager: "kubectl-create", force: false },
    );
    const workloads = [
      { apiVersion: "v1", kind: "ServiceAccount", name: "api", namespace: "guarded" },
      { apiVersion: "apps/v1", kind: "Deployment", name: "api", namespace: "guarded" },
    ];
    const err = await failureOf(membership.create({ ...member("guarded"), workloads }));
    expect(err!.message).toMatch(
      /^ServiceAccount\/guarded\/api already exists and Lattice did not create it \(managed by kubectl-create\)/,
    );
    expect(await exists("lattice.service.api", "guarded")).toBe(false); // refused before anything was applied
    const m = (await membership.create({ ...member("guarded"), workloads, adopt: true })).outs!;
    await membership.delete("m", m);
  });

  test("a membership whose record name someone else holds applies nothing, not even the baseline", async () => {
    // Someone else's namespace (joined) holding someone else's ConfigMap under the record's name.
    await cp.client.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "half-made", labels: { team: "x" } } },
      { fieldManager: "kubectl-create", force: false },
    );
    await cp.client.apply(
      {
        ...cm("lattice.service.api", {}, { theirs: "1" }, "half-made"),
        metadata: { name: "lattice.service.api", namespace: "half-made" },
      },
      { fieldManager: "kubectl-create", force: false },
    );
    const err = await failureOf(membership.create(member("half-made")));
    expect(err!.message).toMatch(
      /^ConfigMap\/half-made\/lattice.service.api already exists and Lattice did not create it \(managed by kubectl-create\)/,
    );
    expect(err!.properties).toBeUndefined(); // no half-made membership to record
    expect(await policiesIn("half-made")).toEqual([]);
    expect((await nsOf("half-made"))!.metadata.labels).toEqual({
      team: "x",
      "kubernetes.io/metadata.name": "half-made",
    });
    expect((await cp.client.get(cmRef("lattice.service.api", "half-made"))).data).toEqual({ theirs: "1" });
  });

  test("a namespace Lattice created that holds someone else's ConfigMap survives; the ConfigMap is intact", async () => {
    const m = (await membership.create(member("team-space"))).outs!;
    expect((await nsOf("team-space"))!.metadata.annotations?.[CREATED_ANNOTATION]).toBe("true");
    await cp.client.apply(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "notes", namespace: "team-space" }, data: { a: "1" } },
      { fieldManager: "kubectl", force: false },
    );
    await membership.delete("m", m);
    const ns = await nsOf("team-space");
    expect(ns).toBeDefined();
    expect((ns!.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeUndefined();
    expect(ns!.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "team-space" }); // Lattice's labels gone
    expect(ns!.metadata.annotations ?? {}).toEqual({});
    expect((await cp.client.get(cmRef("notes", "team-space"))).data).toEqual({ a: "1" });
    expect(await policiesIn("team-space")).toEqual([]); // the baseline is Lattice's: deleted
    expect(stderr.join("\n")).toMatch(
      /warning: Namespace\/team-space was created by Lattice but holds objects Lattice did not create \(ConfigMap\/team-space\/notes\): it is left in place/,
    );
  });

  test("a namespace Lattice created that holds nothing else is deleted with the last member", async () => {
    const m = (await membership.create(member("empty-space"))).outs!;
    await membership.delete("m", m);
    const ns = await nsOf("empty-space");
    // Without a controller manager the namespace stays Terminating: deleted, not yet finalized.
    expect(ns === undefined || !!(ns.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBe(true);
  });

  test("a namespace someone else created is joined, never deleted, and left as it was", async () => {
    await cp.client.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "their-space", labels: { team: "x" } } },
      { fieldManager: "kubectl-create", force: false },
    );
    const m = (await membership.create(member("their-space"))).outs!;
    expect(stderr.join("\n")).toMatch(
      /joining Namespace\/their-space, which Lattice did not create \(managed by kubectl-create\)/,
    );
    expect((await nsOf("their-space"))!.metadata.labels).toMatchObject({
      team: "x",
      "istio.io/dataplane-mode": "ambient",
    });
    resetSession();
    expect((await membership.diff("m", m, member("their-space"))).changes).toBe(false);
    await membership.delete("m", m);
    const ns = await nsOf("their-space");
    expect((ns!.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeUndefined();
    expect(ns!.metadata.labels).toEqual({ team: "x", "kubernetes.io/metadata.name": "their-space" });
    expect(await policiesIn("their-space")).toEqual([]);
  });
});

test("a shared object is released by one set and deleted only by its last owner", async () => {
  const a = await created(set("lattice-test-a", [shared("baseline"), cm("only-a")]));
  const b = await created(set("lattice-test-b", [shared("baseline"), cm("only-b")]));
  await impl.delete("a", a);
  expect(await exists("only-a")).toBe(false);
  expect(await cnpExists("baseline")).toBe(true); // b still owns it
  const live = await cp.client.get({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    name: "baseline",
    namespace: "default",
  });
  expect(managersOf(live)).toContain("lattice-test-b");
  expect(managersOf(live)).not.toContain("lattice-test-a");
  await impl.delete("b", b);
  expect(await cnpExists("baseline")).toBe(false);
  expect(await exists("only-b")).toBe(false);
});

test("delete never removes an object another field manager took over", async () => {
  const a = await created(set("lattice-test-c", [cm("taken")]));
  // Someone else force-applies other values for every field we set: server-side apply moves the
  // ownership of each to them, so our field manager no longer owns anything in the object.
  const theirs = {
    ...cm("taken"),
    metadata: { name: "taken", namespace: "default", labels: { "app.kubernetes.io/managed-by": "someone-else" } },
    data: { k: "theirs" },
  };
  await cp.client.apply(theirs, { fieldManager: "someone-else", force: true });
  expect(managersOf(await cp.client.get(cmRef("taken")))).toEqual(["someone-else"]);
  await impl.delete("c", a);
  expect(await exists("taken")).toBe(true);
  await cp.client.delete(cmRef("taken"));
});

test("update prunes documents that left the set and applies new ones", async () => {
  const v1 = await created(set("lattice-test-d", [cm("keep"), cm("drop")]));
  const v2 = set("lattice-test-d", [cm("keep"), cm("new")]);
  const after = (await impl.update("d", v1, v2)).outs!;
  expect([await exists("keep"), await exists("drop"), await exists("new")]).toEqual([true, false, true]);
  expect(Object.keys(after.uids!).sort()).toEqual(["ConfigMap/default/keep", "ConfigMap/default/new"]);
  await impl.delete("d", after);
  expect([await exists("keep"), await exists("new")]).toEqual([false, false]);
});

test("a failure part-way records what was applied, with the server's reason", async () => {
  const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "z_Bad", namespace: "default" } } as KubeObject; // sorts after "first"
  const s = {
    ...set("lattice-test-f", [cm("first")]),
    objects: { ...keyObjects([cm("first")]), "ConfigMap/default/z_Bad": bad },
  };
  const err = await failureOf(impl.create(s));
  expect(err!.id).toBeTruthy(); // Pulumi records a partially created resource
  expect(Object.keys(err!.properties!.objects)).toEqual(["ConfigMap/default/first"]);
  expect(err!.message).toContain("ConfigMap/default/z_Bad");
  expect(err!.message).toMatch(/applied 1 of 2/);
  await impl.delete("f", err!.properties!);
  expect(await exists("first")).toBe(false);
});
