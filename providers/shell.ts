// The serialized half of every Lattice dynamic provider. Pulumi serializes a dynamic provider (and
// everything it captures) into the state of each of its resources, twice (inputs and outputs), and
// runs that text in the dynamic-provider process. So what is serialized is only this shell: where
// to find the package, and a `configure` that finds it and hands over to ./loader.ts, which loads
// the implementation. Everything but the finding is loaded at run time, so fixes to it (and to the
// implementations) apply to existing stacks; the implementation is ordinary, testable code.
//
// The shell holds no absolute path, so any copy of the program (another checkout, a fresh CI
// workspace) can refresh, update and destroy a stack. In the provider process, whose working
// directory is the program's directory, the package root is found
//   1. by package name, resolved from the program directory as the program's own `import` resolves
//      it (an installed @lattice/lattice, whatever the layout: npm, pnpm, hoisted workspaces), else
//   2. at the package root's path relative to the program directory at deployment (programs inside
//      this repository, such as infra/, which use the sources without installing the package);
// then the loader and implementation are the files at the same package-relative paths as when
// deployed: compiled JavaScript in dist/ for an installed package, TypeScript when running from
// source (ts-node with swc, with the package's tsconfig.json, is registered first).
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/** The contract an implementation module exports (a dynamic ResourceProvider without configure). */
export type ProviderImplementation = Required<Omit<pulumi.dynamic.ResourceProvider, "configure">>;

/** Where the provider process finds the loader and an implementation; stored in the state, location-free. */
export interface ImplementationRef {
  /** The package name, resolved from the program's directory ("@lattice/lattice"). */
  name: string;
  /** The package root relative to the program's directory at deployment (the fallback). */
  root: string;
  /** ./loader's file relative to the package root, with its extension (.js in dist/, .ts from source). */
  loader: string;
  /** The implementation's file relative to the package root, with its extension. */
  impl: string;
}

/** A shell: the reference, and until `configure` has run, methods that fail. */
export interface Shell {
  lattice: ImplementationRef;
  /** Why `configure` failed (every method then throws it). */
  failure?: unknown;
}

/** The directory of the package.json nearest above `dir`: the repository, or the installed package. */
export function packageRootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) throw new Error(`Lattice: no package.json above ${dir}`);
  }
}

const PACKAGE_ROOT = packageRootOf(__dirname);
const PACKAGE_NAME: string = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")).name;

/**
 * The location-free reference to the implementation module at `implPath` (absolute, without
 * extension: modules have this module's own extension, .js in dist/ or .ts from source).
 */
export function implementationRef(implPath: string, programDir: string = process.cwd()): ImplementationRef {
  const fromRoot = (p: string) => path.relative(PACKAGE_ROOT, p).split(path.sep).join("/") + path.extname(__filename);
  return {
    name: PACKAGE_NAME,
    root: path.relative(programDir, PACKAGE_ROOT).split(path.sep).join("/") || ".",
    loader: fromRoot(path.join(__dirname, "loader")),
    impl: fromRoot(implPath),
  };
}

/**
 * Finds the package and lets its loader make the implementation's methods this provider's. The
 * dynamic-provider process calls `configure` once per deserialized provider, before any other
 * method. No comments inside: its text is serialized into the state of every resource (twice).
 */
async function configure(this: Shell): Promise<void> {
  try {
    const { name, root, loader } = this.lattice;
    const program = process.cwd() + "/";
    let base: string;
    try {
      base = require("path").dirname(
        require("module")
          .createRequire(program)
          .resolve(name + "/package.json"),
      );
    } catch {
      base = program + root;
    }
    const file = require.resolve(base + "/" + loader);
    if (file.endsWith(".ts"))
      require(require.resolve("ts-node", { paths: [base] })).register({ project: base + "/tsconfig.json" });
    require(file).configure(this, base);
  } catch (e) {
    this.failure = e;
    throw e;
  }
}

/**
 * Every method until `configure` has replaced it. The process caches a provider before configuring
 * it, so after a failed `configure` these keep failing (a missing `delete` would pass silently).
 */
function unconfigured(this: Shell): never {
  throw this.failure ?? new Error("Lattice: the dynamic provider was not configured (needs @pulumi/pulumi >= 3.139)");
}

/** A dynamic provider whose methods are those of the implementation module at `implPath`. */
export function shellProvider(implPath: string): pulumi.dynamic.ResourceProvider {
  const u = unconfigured;
  const shell: Shell & ProviderImplementation = {
    lattice: implementationRef(implPath),
    check: u,
    diff: u,
    create: u,
    read: u,
    update: u,
    delete: u,
  };
  return { ...shell, configure };
}
