// The npm package as a team consumes it: `npm pack` of the repository, installed into a program
// OUTSIDE the repository (a stock `pulumi new typescript` tsconfig; `tsc --noEmit` passes), deployed
// by the real engine against a real API server; then the program moves to another directory (the
// first one gone, as in a new CI workspace) and `refresh` and `destroy` run from there: nothing of
// Lattice's is left in the cluster. The same from a copy npm installs from git (its `prepare`
// builds dist/). And a stack deployed by the previous shell, which stored absolute paths, is
// migrated by one `up` and then also refreshes and destroys from anywhere.
//
// The git copy is the repository's HEAD commit: uncommitted changes are not in it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { keyOf } from "../../../core/k8s/object";
import { listEverything } from "../../../kube/inventory";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { openStack, stepsOf, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";
import { installProgram, pack, timed, timings, typeCheck } from "./support/consumer";

jest.setTimeout(900_000);

/** Everything this test writes: outside the repository, so nothing resolves through it. */
const WORK = mkdtempSync(path.join(os.tmpdir(), "lattice-package-"));
const STACK = "team";
let cp: ControlPlane;
let packed: { tarball: string; files: string[] };
const stacks: TestStack[] = [];
/** The git install runs while the tarball test deploys (it is mostly npm waiting on its cache). */
let gitInstall: Promise<unknown>;
const GIT_FIRST = path.join(WORK, "git-first");

beforeAll(async () => {
  packed = await timed("npm pack (prepare builds dist/)", () => pack(WORK));
  gitInstall = installFromGit(GIT_FIRST);
  gitInstall.catch(() => undefined); // awaited (and reported) by its test
  cp = await startControlPlane({ name: "package", crds: ["cilium", "istio"] });
});

/**
 * The program in `dir`, with the package installed from a bare clone of this repository at HEAD:
 * npm clones it again, installs its devDependencies there and runs `prepare`, which builds dist/.
 */
async function installFromGit(dir: string): Promise<void> {
  const remote = path.join(WORK, "lattice.git");
  execFileSync("git", ["clone", "--quiet", "--bare", ROOT, remote]);
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  await timed("git: npm install (clone, devDependencies, prepare; beside the tarball test)", () =>
    installProgram(dir, `git+file://${remote}#${head}`),
  );
}

afterAll(async () => {
  for (const s of stacks) await s.dispose();
  await cp?.stop();
  rmSync(WORK, { recursive: true, force: true });
  console.log(`package test timings (s): ${timings.map(([l, s]) => `${l} ${s.toFixed(1)}`).join("; ")}`);
});

/** A stack of the program in `dir`; later calls for the same stack share its state. */
async function stackIn(dir: string, stateDir?: string): Promise<TestStack> {
  const s = await openStack({
    workDir: dir,
    stackName: STACK,
    ...(stateDir ? { stateDir } : {}),
    config: { kubeconfig: { value: cp.kubeconfig, secret: true } },
    // The program is type-checked by tsc separately; the engine only needs it transpiled.
    env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
  });
  stacks.push(s);
  return s;
}

/**
 * Move a program directory (what a new CI workspace amounts to: the same files at another path, the
 * old path gone). A rename: copying node_modules file by file took 25–45 s here and proves nothing more.
 */
function move(from: string, to: string): string {
  renameSync(from, to);
  expect(existsSync(from)).toBe(false);
  return to;
}

const latticeObjects = async () =>
  (await listEverything(cp.client, "app.kubernetes.io/managed-by=lattice")).map(keyOf).sort();

/** Lattice objects left after a destroy (namespace deletion is asynchronous). */
async function leftovers(): Promise<string[]> {
  let left = await latticeObjects();
  for (let i = 0; i < 120 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = await latticeObjects();
  }
  return left;
}

/** The serialized providers stored in the state (inputs and outputs of every dynamic resource). */
async function storedShells(s: TestStack): Promise<string[]> {
  const { deployment } = await s.stack.exportStack();
  const resources = (
    deployment as { resources?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] }
  ).resources;
  return (resources ?? []).flatMap((r) =>
    [r.inputs?.__provider, r.outputs?.__provider].filter((p): p is string => typeof p === "string"),
  );
}

const DYNAMIC = /^pulumi-nodejs:dynamic\/lattice:/;

test("the tarball holds what `files` names and nothing else: no tests, fixtures, tools or sources", () => {
  const { files } = packed;
  // dist/ JSON: data the code imports (the CAPA IAM set of core/cluster/prerequisites).
  const allowed = /^(package\.json|README\.md|LICENSE|schemas\/[\w.-]+\.schema\.json|dist\/.+\.(js|d\.ts|json))$/;
  expect(files.filter((f) => !allowed.test(f))).toEqual([]);
  expect(
    files.filter((f) => /(\.test\.|__golden__|__corpus__|__support__|testkit|\/testing\/|\.map$)/.test(f)),
  ).toEqual([]);
  // What the dynamic-provider process loads by path at run time is there (see providers/shell.ts),
  // also for the providers only older stacks hold (Membership, Barrier: their delete runs the impl).
  for (const p of ["cluster", "objectset", "policy", "rollout", "serviceset"])
    expect(files).toEqual(expect.arrayContaining([`dist/providers/${p}/index.js`, `dist/providers/${p}/impl.js`]));
  for (const p of ["barrier", "membership"]) expect(files).toContain(`dist/providers/${p}/impl.js`);
  expect(files).toEqual(
    expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/providers/loader.js", "LICENSE"]),
  );
  // Everything the package's own code requires at run time resolves inside the tarball.
  const unpacked = path.join(WORK, "unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xzf", packed.tarball, "-C", unpacked]);
  const relativeRequires = files
    .filter((f) => f.endsWith(".js"))
    .flatMap((f) => {
      const text = readFileSync(path.join(unpacked, "package", f), "utf8");
      return [...text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)].map((m) =>
        path.posix.join(path.posix.dirname(f), m[1]!),
      );
    });
  const resolves = (r: string) => [r, `${r}.js`, `${r}/index.js`].some((f) => files.includes(f)); // r may be data (.json)
  expect(relativeRequires.filter((r) => !resolves(r))).toEqual([]);
});

test("from the tarball: a stack made by the previous (absolute-path) shell is migrated by one up, then refreshed and destroyed from another copy", async () => {
  const first = path.join(WORK, "tarball-first");
  await timed("tarball: npm install", () => installProgram(first, `file:${packed.tarball}`));
  // The type check runs beside the first deployment (it reads only declarations, which the shell
  // swapped in below does not change) and must be done before the program moves.
  const types = timed("tarball: tsc --noEmit (stock tsconfig; beside the deployment)", () => typeCheck(first));

  // Deploy with the previous shell in place of the package's: the state records absolute paths.
  const installed = path.join(first, "node_modules", "@lattice", "lattice", "dist", "providers", "shell.js");
  const current = readFileSync(installed, "utf8");
  const ts: typeof import("typescript") = require("typescript");
  const legacy = ts.transpileModule(readFileSync(path.join(__dirname, "support", "legacy-shell.ts"), "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(installed, legacy);
  const oldStack = await stackIn(first);
  await timed("tarball: up (previous shell)", () => oldStack.up());
  const deployed = await latticeObjects();
  expect(deployed).toEqual(expect.arrayContaining(["CiliumNetworkPolicy/shop/api", "Deployment/shop/web"]));
  expect((await storedShells(oldStack)).filter((p) => p.includes(first)).length).toBeGreaterThan(0);

  // The team upgrades the package and runs from a new workspace: the old shells cannot find the
  // code they point at any more, so refresh fails until one `up` has stored the current shell.
  expect(await types).toBe("");
  writeFileSync(installed, current);
  const second = move(first, path.join(WORK, "tarball-second"));
  const moved = await stackIn(second, oldStack.stateDir);
  await timed("tarball: refresh before the migration (fails)", () =>
    expect(moved.refresh()).rejects.toThrow(/Cannot find module/),
  );
  const migration = await timed("tarball: up (migrates the stored shells)", () => moved.up());
  const dynamic = stepsOf(migration.events).filter((s) => DYNAMIC.test(s.type));
  expect(dynamic.length).toBeGreaterThan(0);
  expect(dynamic.filter((s) => s.op !== "update")).toEqual([]);
  const shells = await storedShells(moved);
  expect(shells.length).toBeGreaterThan(0);
  expect(shells.filter((p) => p.includes(WORK))).toEqual([]);

  const third = move(second, path.join(WORK, "tarball-third"));
  const fromCopy = await stackIn(third, oldStack.stateDir);
  const refresh = await timed("tarball: refresh from a copy", () => fromCopy.refresh());
  expect(Object.keys(refresh.changes)).toEqual(["same"]);
  expect(await latticeObjects()).toEqual(deployed);
  await timed("tarball: destroy from a copy", () => fromCopy.destroy());
  expect(await leftovers()).toEqual([]);
});

test("from git (npm runs prepare in a clone): up, then refresh and destroy from another copy", async () => {
  await timed("git: waiting for the install", () => gitInstall);
  const first = GIT_FIRST;
  expect(existsSync(path.join(first, "node_modules", "@lattice", "lattice", "dist", "index.js"))).toBe(true);
  expect(existsSync(path.join(first, "node_modules", "@lattice", "lattice", "core"))).toBe(false);

  const stack = await stackIn(first);
  await timed("git: up", () => stack.up());
  const deployed = await latticeObjects();
  expect(deployed).toEqual(expect.arrayContaining(["CiliumNetworkPolicy/shop/api", "Deployment/shop/web"]));

  const copy = move(first, path.join(WORK, "git-copy"));
  const fromCopy = await stackIn(copy, stack.stateDir);
  const refresh = await timed("git: refresh from a copy", () => fromCopy.refresh());
  expect(Object.keys(refresh.changes)).toEqual(["same"]);
  await timed("git: destroy from a copy", () => fromCopy.destroy());
  expect(await leftovers()).toEqual([]);
});
