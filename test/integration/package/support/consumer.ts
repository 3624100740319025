// A team's program outside the repository, as test/integration/package builds it: the package packed
// by npm (or cloned by npm from git), the program of test/programs/package, a package.json naming
// the SDK versions this repository pins, and `npm install` against the npm registry through the
// shared npm cache. Every step is timed (the test's cost is part of `make test`).
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { NODE_BIN_DIR, ROOT } from "../../../harness/tools";

/** The program every copy starts from. */
export const PROGRAM_SOURCE = path.join(ROOT, "test", "programs", "package");

const pins: Record<string, string> = require(path.join(ROOT, "package.json")).devDependencies;

/** Seconds taken by each named step, in order. */
export const timings: [string, number][] = [];

/** Run `fn`, recording how long it took under `label`. */
export async function timed<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([label, (Date.now() - t0) / 1000]);
  }
}

/** npm (from PATH) with the project's Node first on PATH, output captured for the error message. */
export async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("npm", args, {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PATH: `${NODE_BIN_DIR}:${process.env.PATH ?? ""}` },
    });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
    );
  }
}

/**
 * `npm pack` of the repository's working tree into `dest`: the tarball's path and the files npm put
 * in it. It packs a copy (the files git tracks or would track, node_modules linked), so its
 * `prepare` builds dist/ there, never in the repository, where other tests use dist/.
 */
export async function pack(dest: string): Promise<{ tarball: string; files: string[] }> {
  const src = path.join(dest, "src");
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  for (const f of listed.split("\0")) {
    if (!f || f === "node_modules" || !existsSync(path.join(ROOT, f))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
    copyFileSync(path.join(ROOT, f), path.join(src, f));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(src, "node_modules"), "dir");
  const out = await npm(["pack", "--json", "--pack-destination", dest], src);
  // `prepare` (the build) prints before the JSON; the JSON is the last top-level array.
  const json = JSON.parse(out.slice(out.lastIndexOf("\n[") + 1)) as { filename: string; files: { path: string }[] }[];
  const [result] = json;
  if (!result) throw new Error(`npm pack printed no result: ${out}`);
  return { tarball: path.join(dest, result.filename), files: result.files.map((f) => f.path).sort() };
}

/**
 * A fresh program in `dir` (outside the repository) depending on `lattice` (a tarball path or a
 * git URL), installed. Dependencies come from the npm registry through the shared npm cache
 * (--prefer-offline: cached metadata is used without asking the registry again).
 */
export async function installProgram(dir: string, lattice: string): Promise<void> {
  cpSync(PROGRAM_SOURCE, dir, { recursive: true });
  const manifest = {
    name: "lattice-consumer",
    main: "index.ts",
    devDependencies: { "@types/node": pins["@types/node"], typescript: pins.typescript },
    dependencies: {
      "@lattice/lattice": lattice,
      "@pulumi/kubernetes": pins["@pulumi/kubernetes"],
      "@pulumi/pulumi": pins["@pulumi/pulumi"],
    },
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  await npm(["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
}

/** tsc --noEmit in the program with its own (stock) tsconfig.json; "" when it passes, else the errors. */
export async function typeCheck(dir: string): Promise<string> {
  const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(path.join(NODE_BIN_DIR, "node"), [tsc, "--noEmit", "--pretty", "false"], {
      cwd: dir,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return "";
  } catch (e) {
    return (e as { stdout?: string }).stdout || String(e);
  }
}
