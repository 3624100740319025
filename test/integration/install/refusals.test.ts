// `lattice install` refusals a user meets before anything starts: each is two lines (what and the
// fix), exit 2 or 1, no stack trace, and nothing is created in the state dir.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { removeDir } from "../../harness/processes";
import { ROOT } from "../../harness/tools";

const CLUSTER_FILE = path.join(ROOT, "examples", "clusters", "docker.yaml");
let scratch: string;
beforeAll(() => (scratch = mkdtempSync(path.join(os.tmpdir(), "lattice-install-refusals-"))));
afterAll(() => removeDir(scratch));

function lattice(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(path.join(ROOT, "bin", "lattice"), args, { encoding: "utf8", env });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("--bootstrap kind without docker and kind on PATH refuses, naming what is missing", () => {
  const stateDir = path.join(scratch, "kind");
  // A PATH with the project's node but neither docker nor kind.
  const env = { ...process.env, PATH: path.join(ROOT, "node_modules", "node", "bin") + ":/usr/bin:/bin" };
  const r = lattice(["install", "-f", CLUSTER_FILE, "--bootstrap", "kind", "--state-dir", stateDir], env);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/--bootstrap kind needs docker and kind on PATH; not found: docker, kind/);
  expect(r.out).toMatch(/fix: use --bootstrap local/);
  expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
  expect(existsSync(stateDir)).toBe(false);
});

test("without --simulate-machines no machine provider can run here: refused, saying how to opt in", () => {
  const stateDir = path.join(scratch, "nosim");
  const env = { ...process.env, LATTICE_SIMULATE_MACHINES: "" };
  const r = lattice(["install", "-f", CLUSTER_FILE, "--state-dir", stateDir], env);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/no machine provider can run here/);
  expect(r.out).toMatch(/fix: add --simulate-machines/);
  expect(existsSync(stateDir)).toBe(false);
});

test("--resume with nothing to resume, and a bad cluster file naming its field, change nothing", () => {
  const stateDir = path.join(scratch, "resume");
  const r = lattice(["install", "-f", CLUSTER_FILE, "--state-dir", stateDir, "--simulate-machines", "--resume"]);
  expect(r.code).toBe(2);
  expect(r.out).toMatch(/nothing to resume: no journal in /);
  const bad = path.join(scratch, "bad.yaml");
  writeFileSync(
    bad,
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeCluster\nmetadata: {name: dev}\nspec:\n  provider:\n    kubernetes: {version: '1.32.0', bootstrap: kubeadm}\n    config: {docker: {}}\n  nodes: {controlPlane: {replicas: 2}}\n",
  );
  const b = lattice(["install", "-f", bad, "--state-dir", stateDir, "--simulate-machines"]);
  expect(b.code).toBe(1);
  expect(b.out).toContain(bad);
  expect(b.out).toMatch(/spec\.nodes\.controlPlane\.replicas/);
  expect(existsSync(stateDir)).toBe(false);
});
