// `bin/lattice preview|up|destroy --stack ENV`, the Automation API pipeline, as a CI job runs it:
// a real process, the pulumi CLI on PATH, a Pulumi.<stack>.yaml next to Pulumi.yaml.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { testbedEnv } from "../../harness/pulumi";
import { ROOT, toolPath } from "../../harness/tools";

jest.setTimeout(300_000);

const exec = promisify(execFile);
const stackName = `ci-pipeline-${process.pid}-${Date.now().toString(36)}`;
const stackFile = path.join(ROOT, `Pulumi.${stackName}.yaml`);
const work = mkdtempSync(path.join(os.tmpdir(), "lattice-pipeline-"));
const services = path.join(work, "services");
const env = { ...process.env, ...testbedEnv(path.join(work, "state")) };
let cp: ControlPlane;

async function lattice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(path.join(ROOT, "bin", "lattice"), [...args, "--stack", stackName], {
      cwd: ROOT,
      env,
      maxBuffer: 1 << 26,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  cpSync(path.join(ROOT, "examples", "webapp"), services, { recursive: true });
  cp = await startControlPlane({ name: "pipeline", crds: ["cilium", "istio"] });
  writeFileSync(
    stackFile,
    [
      "config:",
      `  lattice:kubeconfig: ${cp.kubeconfigPath}`,
      `  lattice:services: ${services}`,
      "  lattice:trustDomain: pipeline.test",
      '  lattice:awaitWorkloads: "false"',
      "",
    ].join("\n"),
  );
  mkdirSync(path.join(work, "state"), { recursive: true });
  await exec(toolPath("pulumi"), ["stack", "init", stackName, "--non-interactive"], { cwd: ROOT, env });
});

afterAll(async () => {
  await exec(toolPath("pulumi"), ["stack", "rm", stackName, "--yes", "--force", "--non-interactive"], {
    cwd: ROOT,
    env,
  }).catch(() => undefined);
  rmSync(stackFile, { force: true });
  rmSync(work, { recursive: true, force: true });
  await cp?.stop();
});

test("preview streams the engine's progress and lists the documents it would change", async () => {
  const r = await lattice("preview");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/Previewing update/);
  expect(r.stdout).toContain("  webapp/api: CiliumNetworkPolicy/webapp/api");
  expect(r.stdout).toContain("  webapp/api: AuthorizationPolicy/webapp/api");
  expect(r.stdout).toContain("One-sided agreements: none");
  expect(await cp.client.list("cilium.io/v2", "CiliumNetworkPolicy")).toEqual([]); // a preview applies nothing
});

test("up applies; with --fail-on-one-sided it fails once a declaration lacks its counterpart", async () => {
  const ok = await lattice("up", "--fail-on-one-sided");
  expect(ok.code).toBe(0);
  expect((await cp.client.list("cilium.io/v2", "CiliumNetworkPolicy", { namespace: "webapp" })).length).toBeGreaterThan(
    3,
  );

  const pg = path.join(services, "postgres.yaml");
  writeFileSync(pg, readFileSync(pg, "utf8").replace(/^\s*worker: \{type: service, direction: inbound\}\n/m, ""));
  const applied = await lattice("up", "--fail-on-one-sided");
  expect(applied.code).toBe(3);
  expect(applied.stdout).toMatch(
    /webapp\/worker → webapp\/postgres: webapp\/worker declares spec\.resources\.postgres/,
  );
  expect(applied.stderr).toMatch(/applied, but 1 one-sided agreement/);

  // Now the one-sided agreement is known before applying: the pipeline stops at the preview.
  const stopped = await lattice("up", "--fail-on-one-sided");
  expect(stopped.code).toBe(3);
  expect(stopped.stderr).toMatch(/nothing applied/);
});

test("destroy removes the stack's objects", async () => {
  const r = await lattice("destroy");
  expect(r.code).toBe(0);
  expect(await cp.client.list("cilium.io/v2", "CiliumNetworkPolicy", { namespace: "webapp" })).toEqual([]);
});
