// The serialized provider shell: it carries no absolute path, and its text, run the way Pulumi's
// dynamic-provider process runs it (require-from-string, working directory = the program's), finds
// the package from any copy of a program and loads the implementation; when it cannot, every
// method fails with the reason (none passes silently).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configure, migratingDiff } from "./loader";
import { implementationRef, packageRootOf, shellProvider, type Shell } from "./shell";

const ROOT = path.resolve(__dirname, "..");
const BARRIER = path.join(ROOT, "providers", "barrier", "impl");

/** The text Pulumi stores in the state for a provider (what `pulumi.dynamic.Resource` serializes). */
async function serialized(provider: object): Promise<string> {
  const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
  return (await serializeFunction(() => provider, { allowSecrets: true })).text;
}

/**
 * Runs `text` as the dynamic-provider process does, from `cwd`: deserialize, configure, then the
 * calls of `script` (an async function body over `p`). Returns what `script` prints.
 */
function runProvider(text: string, cwd: string, script: string): string {
  const requireFromString = require.resolve("require-from-string", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))],
  });
  const main = `
    const p = require(${JSON.stringify(requireFromString)})(${JSON.stringify(text)}).handler();
    const out = (label, f) => Promise.resolve().then(f).then(
      (v) => console.log(label, JSON.stringify(v)), (e) => console.log(label, "ERROR", e.message.split("\\n")[0]));
    (async () => { ${script} })();`;
  return execFileSync(process.execPath, ["-e", main], { cwd, encoding: "utf8" });
}

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), "lattice-shell-"))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

test("the reference is relative: package name, package root from the program, files from the package root", () => {
  expect(packageRootOf(__dirname)).toBe(ROOT);
  expect(implementationRef(BARRIER, path.join(ROOT, "infra"))).toEqual({
    name: "@lattice/lattice",
    root: "..",
    loader: "providers/loader.ts",
    impl: "providers/barrier/impl.ts",
  });
  expect(implementationRef(BARRIER, ROOT).root).toBe(".");
});

test("the serialized shell holds no absolute path and stays small", async () => {
  const text = await serialized(shellProvider(BARRIER));
  expect(text).not.toContain(ROOT);
  expect(text).not.toContain(os.tmpdir());
  // Stored twice per resource; the absolute-path shell it replaces was ~2.4 KB plus the path.
  expect(text.length).toBeLessThan(2200);
});

test("from a copy of a program that installed the package, configure finds it by name and loads the implementation", async () => {
  // The copy has the package installed; the relative root it was deployed with leads nowhere from
  // here, so only resolution by name can find it.
  const ref = { ...implementationRef(BARRIER), root: "nowhere" };
  const text = await serialized({ ...shellProvider(BARRIER), lattice: ref });
  const copy = path.join(tmp, "copy");
  mkdirSync(path.join(copy, "node_modules", "@lattice"), { recursive: true });
  symlinkSync(ROOT, path.join(copy, "node_modules", "@lattice", "lattice"), "dir");
  writeFileSync(path.join(copy, "package.json"), '{ "name": "a-team-program" }');
  const out = runProvider(
    text,
    copy,
    `await p.configure({});
     await out("create", () => p.create({}));
     await out("same", () => p.diff("barrier", { __provider: "x" }, { __provider: "x" }));
     await out("new shell", () => p.diff("barrier", { __provider: "old" }, { __provider: "x" }));`,
  );
  expect(out).toContain('create {"id":"barrier","outs":{}}');
  expect(out).toContain('same {"changes":false}');
  expect(out).toContain('new shell {"changes":true}');
});

test("when the package cannot be found, configure and then every method fail with the reason", async () => {
  const text = await serialized({
    ...shellProvider(BARRIER),
    lattice: { ...implementationRef(BARRIER), root: "nowhere" },
  });
  const elsewhere = path.join(tmp, "elsewhere", "program");
  mkdirSync(elsewhere, { recursive: true });
  const out = runProvider(
    text,
    elsewhere,
    `await out("configure", () => p.configure({}));
     for (const m of ["check", "diff", "create", "read", "update", "delete"]) await out(m, () => p[m]("id", {}, {}));`,
  );
  const lines = out.trim().split("\n");
  expect(lines).toHaveLength(7);
  for (const line of lines) expect(line).toMatch(/ERROR Cannot find module '.*nowhere\/providers\/loader\.ts'/);
});

test("a program inside the repository, which uses the sources uninstalled, finds them by the relative root", async () => {
  const infra = path.join(ROOT, "infra");
  const text = await serialized({ ...shellProvider(BARRIER), lattice: implementationRef(BARRIER, infra) });
  const out = runProvider(text, infra, `await p.configure({}); await out("create", () => p.create({}));`);
  expect(out).toContain('create {"id":"barrier","outs":{}}');
});

test("without configure (an SDK that does not call it) every method fails instead of doing nothing", () => {
  const p = shellProvider(BARRIER);
  expect(() => (p.delete as (id: string, props: object) => void)("id", {})).toThrow(/not configured/);
});

describe("loader", () => {
  test("installs the six methods; an implementation missing one is an error naming the file", () => {
    const impl = path.join(tmp, "impl.js");
    writeFileSync(impl, "exports.check = exports.diff = exports.create = exports.read = exports.update = () => 1;");
    const shell: Shell = { lattice: { name: "x", root: ".", loader: "loader.js", impl: "impl.js" } };
    expect(() => configure(shell, tmp)).toThrow(`Lattice: ${impl} does not export delete`);
    writeFileSync(
      impl,
      "exports.check = exports.diff = exports.create = exports.read = exports.update = exports.delete = () => 1; exports.other = 2;",
    );
    jest.resetModules();
    configure(shell, tmp);
    expect(Object.keys(shell).sort()).toEqual(["check", "create", "delete", "diff", "lattice", "read", "update"]);
  });

  test("migratingDiff adds a change only when the stored shell differs, keeping the rest of the result", async () => {
    const diff = migratingDiff(async () => ({ changes: false, replaces: ["namespace"] }));
    expect(await diff("id", { __provider: "a" }, { __provider: "a" })).toEqual({
      changes: false,
      replaces: ["namespace"],
    });
    expect(await diff("id", { __provider: "old" }, { __provider: "a" })).toEqual({
      changes: true,
      replaces: ["namespace"],
    });
  });
});
