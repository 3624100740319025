// Ownership through the real engine (infra/, the program `pulumi up` runs) against a real API server:
// an object of the same name that Lattice did not create is refused with an error naming it and
// its manager, and adopted when the document opts in (metadata.annotations["lattice.dev/adopt"]);
// an object deleted and re-created by someone else is not deleted by `destroy`; and a namespace
// Lattice created survives `destroy` when it holds someone else's ConfigMap, which stays intact.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ObjectRef } from "../../../core/k8s/object";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { openStack, type TestStack } from "../../harness/pulumi";

jest.setTimeout(300_000);

const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-ownership-"));
const services = path.join(dir, "services");
let cp: ControlPlane;
let stack: TestStack;

const service = (name: string, resources: string, annotations = "") =>
  [
    "apiVersion: lattice.dev/v1alpha1",
    "kind: LatticeService",
    `metadata: {name: ${name}, namespace: own${annotations ? `, annotations: {${annotations}}` : ""}}`,
    "spec:",
    `  containers: {main: {image: "ghcr.io/example/${name}:1.0.0"}}`,
    "  service: {ports: {http: {port: 8080}}}",
    `  resources: {${resources}}`,
    "",
  ].join("\n");
const write = (name: string, text: string) => writeFileSync(path.join(services, `${name}.yaml`), text);

const cnpRef = (name: string): ObjectRef => ({
  apiVersion: "cilium.io/v2",
  kind: "CiliumNetworkPolicy",
  name,
  namespace: "own",
});
const notesRef: ObjectRef = { apiVersion: "v1", kind: "ConfigMap", name: "team-notes", namespace: "own" };
/** A policy someone writes by hand: admits the whole internet to the pods it selects. */
const handWritten = (name: string) => ({
  apiVersion: "cilium.io/v2",
  kind: "CiliumNetworkPolicy",
  metadata: { name, namespace: "own" },
  spec: { endpointSelector: { matchLabels: { "lattice.dev/service": name } }, ingress: [{ fromEntities: ["world"] }] },
});

beforeAll(async () => {
  mkdirSync(services, { recursive: true });
  write("api", service("api", "web: {type: service, direction: inbound}"));
  cp = await startControlPlane({ name: "ownership", crds: ["cilium", "istio"] });
  stack = await openStack({
    stackName: "ownership",
    config: {
      "lattice:kubeconfig": { value: cp.kubeconfig, secret: true },
      "lattice:services": { value: services },
      "lattice:awaitWorkloads": { value: "false" },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("an object of the same name that Lattice did not create is refused, then adopted when the document opts in", async () => {
  await stack.up();
  // Someone else's policy under the name the next service's policy will have.
  await cp.client.apply(handWritten("web"), { fieldManager: "kubectl", force: false });
  write("web", service("web", "api: {type: service, direction: outbound}"));
  const refused = await stack.up().then(
    () => "succeeded",
    (e: Error) => e.message,
  );
  expect(refused).toMatch(
    /CiliumNetworkPolicy\/own\/web already exists and Lattice did not create it \(managed by kubectl\)/,
  );
  expect(refused).toContain('metadata.annotations["lattice.dev/adopt"]: "true"');
  expect((await cp.client.get(cnpRef("web"))).spec).toEqual(handWritten("web").spec); // untouched

  write("web", service("web", "api: {type: service, direction: outbound}", '"lattice.dev/adopt": "true"'));
  const adopted = await stack.up();
  expect(adopted.stdout).toMatch(/adopting CiliumNetworkPolicy\/own\/web \(managed by kubectl\)/);
  const live = await cp.client.get(cnpRef("web"));
  expect(JSON.stringify(live.spec)).not.toContain("world"); // exactly the compiled policy now
  expect(live.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "lattice" });
});

test("destroy deletes nothing re-created by someone else, and leaves a namespace that holds someone else's ConfigMap", async () => {
  await cp.client.apply(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "team-notes", namespace: "own" }, data: { on: "call" } },
    { fieldManager: "kubectl", force: false },
  );
  // Lattice's policy of api is deleted by hand and a different one created under its name.
  await cp.client.delete(cnpRef("api"));
  await cp.client.apply(handWritten("api"), { fieldManager: "kubectl", force: false });

  const res = await stack.destroy();
  expect(res.stdout).toMatch(/CiliumNetworkPolicy\/own\/api is no longer managed by this Lattice resource/);
  expect(res.stdout).toMatch(/Namespace\/own was created by Lattice but holds objects Lattice did not create/);
  expect((await cp.client.get(cnpRef("api"))).spec).toEqual(handWritten("api").spec);
  expect((await cp.client.get(notesRef)).data).toEqual({ on: "call" });
  const ns = await cp.client.get({ apiVersion: "v1", kind: "Namespace", name: "own" });
  expect((ns.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeUndefined();
  expect(ns.metadata.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined(); // no longer Lattice's
  // Lattice's own objects are gone: the baseline, the adopted policy, the records.
  const left = await cp.client.list("cilium.io/v2", "CiliumNetworkPolicy", { namespace: "own" });
  expect(left.map((o) => o.metadata.name)).toEqual(["api"]);
  expect(
    (
      await cp.client.list("v1", "ConfigMap", {
        namespace: "own",
        labelSelector: "app.kubernetes.io/managed-by=lattice",
      })
    ).length,
  ).toBe(0);
});
