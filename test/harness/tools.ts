// Where the test bed's binaries are, and a loud failure when one is missing: integration tests
// never skip silently. `tools/build` (run by `make test`) builds and links them into .tools/bin.
import { accessSync, constants, statSync } from "node:fs";
import * as path from "node:path";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
/** Where tools/build links the binaries. */
export const TOOLS_BIN = path.join(ROOT, ".tools", "bin");
/** The project-local PULUMI_HOME (plugins installed by tools/build). */
export const PULUMI_HOME = path.join(ROOT, ".tools", "pulumi-home");
/** The project's Node (26, installed from npm by `npm ci`). */
export const NODE_BIN_DIR = path.join(ROOT, "node_modules", "node", "bin");

/** The binaries of the test bed, by name. */
export type Tool =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubectl"
  | "pulumi"
  | "pulumi-language-nodejs"
  | "pulumi-resource-pulumi-nodejs"
  | "cluster-api-manager"
  | "clusterctl";

/** Thrown when a binary of the test bed is missing; says how to build it. */
export class MissingToolError extends Error {
  constructor(tool: string, where: string) {
    super(`test bed tool "${tool}" is missing at ${where}: run 'tools/build' (or 'make test', which runs it)`);
    this.name = "MissingToolError";
  }
}

/** The absolute path of a test-bed binary; throws MissingToolError if it is not there. */
export function toolPath(tool: Tool): string {
  const p = path.join(TOOLS_BIN, tool);
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new MissingToolError(tool, p);
  }
  return p;
}

/** The kubernetes provider plugin version: the one the pinned @pulumi/kubernetes SDK asks for. */
export const KUBERNETES_PLUGIN_VERSION: string = require("@pulumi/kubernetes/package.json").version;

/** Throws MissingToolError unless tools/build set up the project-local PULUMI_HOME: the kubernetes
 * provider plugin installed, and Pulumi's automatic log turned off (a plain file where the CLI would
 * create its log directory; see tools/build). */
export function requirePulumiHome(): void {
  const p = path.join(
    PULUMI_HOME,
    "plugins",
    `resource-kubernetes-v${KUBERNETES_PLUGIN_VERSION}`,
    "pulumi-resource-kubernetes",
  );
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new MissingToolError("pulumi-resource-kubernetes (plugin)", p);
  }
  const logs = path.join(PULUMI_HOME, "logs");
  let isFile = false;
  try {
    isFile = statSync(logs).isFile();
  } catch {
    // absent: tools/build has not run since the switch was added
  }
  if (!isFile) throw new MissingToolError("the automatic-log switch (a plain file)", logs);
}

/** The node binary the project uses (Node 26); throws if `npm ci` has not run. */
export function nodePath(): string {
  const p = path.join(NODE_BIN_DIR, "node");
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new MissingToolError("node (26, from the npm package `node`)", p);
  }
  return p;
}
