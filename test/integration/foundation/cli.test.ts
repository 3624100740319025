// The path a user takes: the plain `pulumi` CLI at the repository root, the stack's settings in
// Pulumi.<stack>.yaml next to Pulumi.yaml, `main: infra/` run by the nodejs language host.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { testbedEnv } from "../../harness/pulumi";
import { ROOT, toolPath } from "../../harness/tools";

jest.setTimeout(240_000);

const run = promisify(execFile);
const stackName = `ci-${process.pid}-${Date.now().toString(36)}`;
const stackFile = path.join(ROOT, `Pulumi.${stackName}.yaml`);
const stateDir = mkdtempSync(path.join(os.tmpdir(), "lattice-cli-state-"));
let cp: ControlPlane;

async function pulumi(...args: string[]): Promise<string> {
  const env = { ...process.env, ...testbedEnv(stateDir) };
  const { stdout } = await run(toolPath("pulumi"), [...args, "--stack", stackName, "--non-interactive"], {
    cwd: ROOT,
    env,
    maxBuffer: 1 << 24,
  });
  return stdout;
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "cli", crds: ["cilium", "istio"] });
  const config = {
    "lattice:kubeconfig": cp.kubeconfigPath,
    "lattice:services": "examples/external",
    "lattice:awaitWorkloads": "false",
    "lattice:trustDomain": "cli.test",
  };
  writeFileSync(
    stackFile,
    "config:\n" +
      Object.entries(config)
        .map(([k, v]) => `  ${k}: "${v}"\n`)
        .join(""),
  );
  await pulumi("stack", "init");
});

afterAll(async () => {
  await pulumi("stack", "rm", "--yes", "--force").catch(() => undefined);
  rmSync(stackFile, { force: true });
  rmSync(stateDir, { recursive: true, force: true });
  await cp?.stop();
});

test("pulumi up at the repository root deploys infra/ to the cluster of Pulumi.<stack>.yaml", async () => {
  const out = await pulumi("up", "--yes", "--skip-preview");
  expect(out).toMatch(/Resources:\s*\n\s*\+ \d+ created/);
  // The services of lattice:services (relative to the project) are in the cluster.
  const ns = await cp.client.get({ apiVersion: "v1", kind: "Namespace", name: "shop" });
  expect(ns.metadata.labels?.["istio.io/dataplane-mode"]).toBe("ambient");
  expect(
    (await cp.client.get({ apiVersion: "apps/v1", kind: "Deployment", name: "payment-service", namespace: "shop" }))
      .metadata.name,
  ).toBe("payment-service");
  expect((await cp.client.list("networking.istio.io/v1", "ServiceEntry", { namespace: "shop" })).length).toBe(1);
});

test("pulumi destroy removes it again", async () => {
  await pulumi("destroy", "--yes", "--skip-preview");
  const ns = await cp.client.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name: "shop" });
  // Namespace deletion is asynchronous (the namespace controller empties it first).
  expect(ns === undefined || (ns as { status?: { phase?: string } }).status?.phase === "Terminating").toBe(true);
});
