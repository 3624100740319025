// The 5-service web app through the real engine (infra/, the program `pulumi up` runs) against a
// real kube-apiserver with the real Cilium and Istio CRDs: create, no-op, a removed inbound
// declaration (preview names exactly the documents that change; the cluster then denies that
// caller), drift detection and repair (also of edits that only add keys: a rule in the mesh's
// allow-nothing policy, the internet inside a Cilium rule), and a destroy that leaves no Lattice object.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compileAll } from "../../../core/compile";
import { keyOf } from "../../../core/k8s/object";
import { loadDocuments } from "../../../core/spec";
import { listEverything } from "../../../kube/inventory";
import { changedDocuments } from "../../../cli/stack-report";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { liveVerdict } from "../../harness/live-policy";
import { openStack, stepsOf, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

jest.setTimeout(300_000);

const TRUST_DOMAIN = "webapp.test";
const apps = mkdtempSync(path.join(os.tmpdir(), "lattice-webapp-"));
const file = (name: string) => path.join(apps, "webapp", `${name}.yaml`);
let cp: ControlPlane;
let stack: TestStack;

beforeAll(async () => {
  cpSync(path.join(ROOT, "examples", "webapp"), path.join(apps, "webapp"), { recursive: true });
  cp = await startControlPlane({ name: "webapp", crds: ["cilium", "istio"] });
  stack = await openStack({
    stackName: "webapp",
    config: {
      "lattice:kubeconfig": { value: cp.kubeconfig, secret: true },
      "lattice:services": { value: path.join(apps, "webapp") },
      "lattice:trustDomain": { value: TRUST_DOMAIN },
      "lattice:awaitWorkloads": { value: "false" },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await cp?.stop();
  rmSync(apps, { recursive: true, force: true });
});

const latticeObjects = async () =>
  (await listEverything(cp.client, "app.kubernetes.io/managed-by=lattice")).map(keyOf).sort();

test("up creates every workload and policy object the compiler emits", async () => {
  const res = await stack.up();
  expect(res.changes).toEqual({ create: 2 }); // the stack and the one ServiceSet holding every object
  const sources = ["api", "frontend", "postgres", "redis", "worker"].map((n) => ({
    file: file(n),
    text: readFileSync(file(n), "utf8"),
  }));
  const compiled = compileAll(loadDocuments(sources).docs, { trustDomain: TRUST_DOMAIN, defaultNamespace: "default" });
  if (!compiled.ok) throw new Error("examples do not compile");
  const live = new Set(await latticeObjects());
  const missing = compiled.objects.map(keyOf).filter((k) => !live.has(k));
  expect(missing).toEqual([]);
  // Plus one declaration record per service, and nothing else.
  expect([...live].filter((k) => !compiled.objects.some((o) => keyOf(o) === k)).sort()).toEqual(
    ["api", "frontend", "postgres", "redis", "worker"].map((n) => `ConfigMap/webapp/lattice.service.${n}`),
  );
  expect((await liveVerdict(cp.client, "webapp/worker", "webapp/postgres", 5432, TRUST_DOMAIN)).allowed).toBe(true);
  expect((await liveVerdict(cp.client, "webapp/frontend", "webapp/postgres", 5432, TRUST_DOMAIN)).allowed).toBe(false);
  // Already on the first run, no agreement is reported one-sided: every service's policy check ran
  // after every declaration record of the set was deployed.
  const services = (await stack.outputs()).services as Record<string, { oneSided: unknown[] }>;
  expect(Object.values(services).map((s) => s.oneSided)).toEqual([[], [], [], [], []]);
  expect(res.events.some((e) => /one-sided/.test(e.diagnosticEvent?.message ?? ""))).toBe(false);
  // ...in one resource: the whole set is one ServiceSet (no resource per service or object, so the
  // state grows by a few bytes per service), whose provider applies every declaration record of the
  // set before any agreement check.
  const state = (await stack.stack.exportStack()).deployment as {
    resources: { type: string; urn: string; custom?: boolean; inputs?: { members?: Record<string, unknown> } }[];
  };
  const sets = state.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/lattice:ServiceSet");
  expect(sets.map((r) => r.urn.split("::").pop())).toEqual(["lattice-mesh"]);
  expect(Object.keys(sets[0]!.inputs?.members ?? {}).sort()).toEqual(
    ["api", "frontend", "postgres", "redis", "worker"].map((n) => `webapp/${n}`),
  );
  expect(state.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length).toBe(1);
  // Workloads start under their namespace's default deny: the baseline is applied before them.
  const denyAt = (
    await cp.client.get({
      apiVersion: "cilium.io/v2",
      kind: "CiliumNetworkPolicy",
      name: "lattice.baseline",
      namespace: "webapp",
    })
  ).metadata as unknown as { creationTimestamp: string };
  for (const d of await cp.client.list("apps/v1", "Deployment", { namespace: "webapp" }))
    expect(
      Date.parse((d.metadata as unknown as { creationTimestamp: string }).creationTimestamp),
    ).toBeGreaterThanOrEqual(Date.parse(denyAt.creationTimestamp));
});

test("a second up is a no-op", async () => {
  const res = await stack.up();
  expect(Object.keys(res.changes)).toEqual(["same"]);
  expect(stepsOf(res.events).filter((s) => s.op !== "same")).toEqual([]);
});

test("removing one inbound declaration: preview names exactly the documents that change; up closes the path", async () => {
  const text = readFileSync(file("postgres"), "utf8");
  const without = text.replace(/^\s*worker: \{type: service, direction: inbound\}\n/m, "");
  expect(without).not.toEqual(text);
  writeFileSync(file("postgres"), without);

  const preview = await stack.preview();
  expect(changedDocuments(preview.events)).toEqual({
    "webapp/postgres": [
      "AuthorizationPolicy/webapp/postgres",
      "CiliumNetworkPolicy/webapp/postgres",
      "ConfigMap/webapp/lattice.service.postgres",
    ],
  });
  // The provider names each object and field that changes, under the set's update.
  expect(preview.stdout).toMatch(/Lattice: change: CiliumNetworkPolicy\/webapp\/postgres: spec\.ingress/);

  const up = await stack.up();
  // One update of the set: postgres's record and policies change, and its agreement check (run after
  // every record of the set is deployed) now finds worker → postgres one-sided.
  expect(
    stepsOf(up.events)
      .filter((s) => s.op === "update")
      .map((s) => s.urn.split("::").pop())
      .sort(),
  ).toEqual(["lattice-mesh"]);
  const denied = await liveVerdict(cp.client, "webapp/worker", "webapp/postgres", 5432, TRUST_DOMAIN);
  expect(denied.allowed).toBe(false);
  expect(
    denied.layers
      .filter((l) => !l.allowed)
      .map((l) => l.layer)
      .sort(),
  ).toEqual(["cilium-ingress", "istio-authz"]);
  expect((await liveVerdict(cp.client, "webapp/api", "webapp/postgres", 5432, TRUST_DOMAIN)).allowed).toBe(true);
});

test("the now one-sided declaration is reported as a warning and an output (and again on later runs)", async () => {
  const res = await stack.up();
  expect(Object.keys(res.changes)).toEqual(["same"]);
  const warnings = res.events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d?.severity === "warning")
    .map((d) => d!.message);
  expect(warnings.join("\n")).toMatch(
    /one-sided agreement: webapp\/worker → webapp\/postgres: webapp\/worker declares spec\.resources\.postgres/,
  );
  const services = (await stack.outputs()).services as Record<
    string,
    { oneSided: { from: string; to: string; missing: string }[] }
  >;
  expect(services["webapp/worker"]!.oneSided).toEqual([
    expect.objectContaining({ from: "webapp/worker", to: "webapp/postgres", missing: "inbound" }),
  ]);
});

test("a policy changed by hand is detected by preview and refresh, and restored by up", async () => {
  const ref = {
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    name: "postgres",
    namespace: "webapp",
  };
  const original = await cp.client.get(ref);
  // Someone admits every caller by hand.
  const byHand = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: "postgres", namespace: "webapp" },
    spec: { ...(original.spec as object), rules: [{}] },
  };
  await cp.client.apply(byHand, { fieldManager: "kubectl", force: true });
  expect(
    (await liveVerdict(cp.client, "webapp/frontend", "webapp/postgres", 5432, TRUST_DOMAIN)).layers.find(
      (l) => l.layer === "istio-authz",
    )!.allowed,
  ).toBe(true);

  const preview = await stack.preview();
  expect(
    stepsOf(preview.events)
      .filter((s) => s.op === "update")
      .map((s) => s.urn.split("::").pop()),
  ).toEqual(["lattice-mesh"]);
  expect(preview.stdout).toMatch(/Lattice: drift: AuthorizationPolicy\/webapp\/postgres: spec\.rules/);
  const refresh = await stack.refresh();
  expect(refresh.changes).toMatchObject({ update: 1 });

  await stack.up();
  expect((await cp.client.get(ref)).spec).toEqual(original.spec);
  expect((await liveVerdict(cp.client, "webapp/frontend", "webapp/postgres", 5432, TRUST_DOMAIN)).allowed).toBe(false);
});

test("widening edits a projection of the live objects missed are named by preview and repaired by up", async () => {
  // The namespace's mesh default deny (`spec: {}`) edited to allow everything, and the whole internet
  // added inside an existing rule of a service's Cilium policy.
  const allowNothing = {
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    name: "lattice.allow-nothing",
    namespace: "webapp",
  };
  const cnp = { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", name: "postgres", namespace: "webapp" };
  const before = await cp.client.get(cnp);
  expect((await cp.client.get(allowNothing)).spec).toEqual({});
  const meta = (ref: typeof cnp) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  });
  await cp.client.apply({ ...meta(allowNothing), spec: { rules: [{}] } }, { fieldManager: "kubectl", force: true });
  const spec = before.spec as { ingress: object[] };
  const widened = { ...spec, ingress: [{ ...spec.ingress[0], fromEntities: ["world"] }, ...spec.ingress.slice(1)] };
  await cp.client.apply({ ...meta(cnp), spec: widened }, { fieldManager: "kubectl", force: true });
  expect(
    (await liveVerdict(cp.client, "webapp/frontend", "webapp/redis", 6379, TRUST_DOMAIN)).layers.find(
      (l) => l.layer === "istio-authz",
    )!.allowed,
  ).toBe(true); // the edit really opens the mesh layer

  const preview = await stack.preview();
  expect(preview.stdout).toContain(
    "Lattice: drift: AuthorizationPolicy/webapp/lattice.allow-nothing: spec.rules added (by kubectl)",
  );
  expect(preview.stdout).toContain(
    "Lattice: drift: CiliumNetworkPolicy/webapp/postgres: spec.ingress[0].fromEntities added (by kubectl)",
  );
  const updates = stepsOf(preview.events)
    .filter((s) => s.op === "update")
    .map((s) => s.urn.split("::").pop());
  // The set holds the namespace's baseline and postgres's Cilium policy.
  expect(updates.sort()).toEqual(["lattice-mesh"]);

  await stack.up();
  expect((await cp.client.get(allowNothing)).spec).toEqual({});
  expect((await cp.client.get(cnp)).spec).toEqual(before.spec);
  expect((await liveVerdict(cp.client, "webapp/frontend", "webapp/redis", 6379, TRUST_DOMAIN)).allowed).toBe(false);
  const again = await stack.preview();
  expect(stepsOf(again.events).filter((s) => s.op !== "same")).toEqual([]);
});

test("destroy leaves no Lattice object behind, in any kind or namespace", async () => {
  await stack.destroy();
  // Namespace deletion is asynchronous: the namespace controller empties it, then it goes.
  let left = await latticeObjects();
  for (let i = 0; i < 120 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = await latticeObjects();
  }
  expect(left).toEqual([]);
});
