// Where the bootstrap's binaries are: the project's tool directory (tools/build links them into
// .tools/bin; LATTICE_TOOLS_DIR overrides it), else PATH. A missing one is an error that says how
// to get it, before anything is started.
import { accessSync, constants } from "node:fs";
import * as path from "node:path";

/** The binaries a local bootstrap runs. */
export type Binary = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "cluster-api-manager";

const ROOT = path.resolve(__dirname, "..", "..");

/** Thrown when a binary is missing; says where it looked and how to build it. */
export class BinaryMissing extends Error {
  constructor(
    readonly binary: string,
    readonly looked: string[],
  ) {
    super(`${binary} is missing (looked in ${looked.join(", ")}): run 'tools/build' in ${ROOT}, or put it on PATH`);
    this.name = "BinaryMissing";
  }
}

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The tool directory's bin/ (LATTICE_TOOLS_DIR or <repository>/.tools). */
export function toolsBin(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.LATTICE_TOOLS_DIR ?? path.join(ROOT, ".tools"), "bin");
}

/** The absolute path of a binary; throws BinaryMissing. */
export function binary(name: Binary, env: NodeJS.ProcessEnv = process.env): string {
  const dirs = [toolsBin(env), ...(env.PATH ?? "").split(path.delimiter).filter(Boolean)];
  for (const d of dirs) if (executable(path.join(d, name))) return path.join(d, name);
  throw new BinaryMissing(name, [toolsBin(env), "PATH"]);
}
