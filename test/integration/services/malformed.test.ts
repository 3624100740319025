// A malformed YAML file fails the run before any resource is touched: the message names the file,
// the document and the field, and the API server's objects are exactly as they were.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listEverything } from "../../../kube/inventory";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { openStack, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

jest.setTimeout(240_000);

const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-malformed-"));
let cp: ControlPlane;
let stack: TestStack;

beforeAll(async () => {
  cpSync(path.join(ROOT, "examples", "external"), dir, { recursive: true });
  cp = await startControlPlane({ name: "malformed", crds: ["cilium", "istio"] });
  stack = await openStack({
    stackName: "malformed",
    config: {
      "lattice:kubeconfig": { value: cp.kubeconfig, secret: true },
      "lattice:services": { value: dir },
      "lattice:trustDomain": { value: "malformed.test" },
      "lattice:awaitWorkloads": { value: "false" },
    },
  });
  await stack.up();
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.dispose();
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every Lattice object with its resourceVersion: any write would change it. */
const snapshot = async () =>
  (await listEverything(cp.client, "app.kubernetes.io/managed-by=lattice"))
    .map(
      (o) =>
        `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}@${(o.metadata as { resourceVersion?: string }).resourceVersion}`,
    )
    .sort();

test("a bad document fails up before anything is touched, naming file, document and field", async () => {
  const before = await snapshot();
  expect(before.length).toBeGreaterThan(5);
  // A valid change to an existing service plus a malformed new file: nothing may be applied.
  writeFileSync(
    path.join(dir, "zz-broken.yaml"),
    [
      "apiVersion: lattice.dev/v1alpha1",
      "kind: LatticeService",
      "metadata: {name: ledger, namespace: shop}",
      "spec:",
      "  containers: {main: {image: ledger:1}}",
      "  resources:",
      "    payment-service: {type: service, direction: in}",
      "",
    ].join("\n"),
  );
  const err = (await stack.up().then(
    () => undefined,
    (e: unknown) => e,
  )) as Error | undefined;
  expect(err).toBeDefined();
  expect(err!.message).toContain(
    'zz-broken.yaml#1: spec.resources.payment-service.direction: expected "inbound" | "outbound", got "in"',
  );
  expect(err!.message).toContain("nothing was deployed");
  expect(await snapshot()).toEqual(before);
  rmSync(path.join(dir, "zz-broken.yaml"));
});
