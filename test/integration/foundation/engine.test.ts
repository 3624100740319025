// The real Pulumi engine runs a TypeScript program of ours against a real kube-apiserver: a
// ConfigMap through @pulumi/kubernetes and one through Lattice's ObjectSet dynamic provider.
// Every claim is checked by reading the API server, not by trusting the engine's summary.
import * as path from "node:path";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { openStack, stepsOf, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

jest.setTimeout(240_000);

const PROGRAM = path.join(ROOT, "test", "programs", "foundation");
let cp: ControlPlane;
let stack: TestStack;

async function liveValues(): Promise<Record<string, string | undefined>> {
  const cms = await cp.client.list("v1", "ConfigMap", {
    namespace: "default",
    labelSelector: "lattice.dev/test=foundation",
  });
  return Object.fromEntries(cms.map((c) => [c.metadata.name, c.metadata.labels?.["lattice.dev/value"]]));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "engine" });
  stack = await openStack({
    workDir: PROGRAM,
    stackName: "foundation",
    config: { kubeconfig: { value: cp.kubeconfig, secret: true }, value: { value: "one" } },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await cp?.stop();
});

test("up creates a ConfigMap through @pulumi/kubernetes and one through our dynamic provider", async () => {
  const res = await stack.up();
  expect(res.changes).toEqual({ create: 4 }); // stack, kubernetes provider, two objects
  const types = stepsOf(res.events)
    .filter((s) => s.op === "create")
    .map((s) => s.type);
  expect(types).toEqual(
    expect.arrayContaining(["kubernetes:core/v1:ConfigMap", "pulumi-nodejs:dynamic/lattice:ObjectSet"]),
  );
  expect(await liveValues()).toEqual({ "via-kubernetes": "one", "via-dynamic": "one" });
});

test("the kubeconfig (with its client key) is a secret in the state file", async () => {
  const key = cp.kubeconfig.match(/client-key-data: (\S+)/)![1]!;
  const state = filesUnder(stack.stateDir)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  expect(state).toContain("via-dynamic"); // we are reading the right files
  expect(state).not.toContain(key.slice(0, 40));
});

test("a second up is a no-op: every step is same", async () => {
  const res = await stack.up();
  expect(res.changes).toEqual({ same: 4 });
  expect(stepsOf(res.events).filter((s) => s.op !== "same")).toEqual([]);
});

test("a changed input is an update, and the cluster follows", async () => {
  await stack.setConfig({ value: { value: "two" } });
  const res = await stack.up();
  expect(res.changes).toEqual({ same: 2, update: 2 });
  expect(await liveValues()).toEqual({ "via-kubernetes": "two", "via-dynamic": "two" });
});

test("destroy leaves nothing behind in the API server", async () => {
  const res = await stack.destroy();
  expect(res.changes).toEqual({ delete: 4 });
  expect(await liveValues()).toEqual({});
});
