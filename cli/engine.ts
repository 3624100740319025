// Which Pulumi engine `bin/lattice` runs, and with what environment. The user's `pulumi` on PATH
// when there is one (their PULUMI_HOME, login and plugins); otherwise the project's own engine
// built by tools/build (.tools/bin, plugins in .tools/pulumi-home). Either way the program runs on
// the project's Node (node_modules/node, first on the engine's PATH): the machine's `node` may be
// older than @pulumi/pulumi allows. The kubernetes plugin the program needs exists offline only
// in the project's engine home; `lattice engine install-plugins` copies it into the user's.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PluginMissing } from "./failures";

/** The repository (and default project) root. */
export const ROOT = path.resolve(__dirname, "..");
/** The kubernetes provider plugin version: the one the pinned @pulumi/kubernetes SDK asks for. */
export const KUBERNETES_PLUGIN_VERSION: string = require("@pulumi/kubernetes/package.json").version;

/** Where the project keeps its engine; LATTICE_TOOLS_DIR overrides it (tests use an empty one). */
export function projectToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LATTICE_TOOLS_DIR ?? path.join(ROOT, ".tools");
}

/** The engine chosen, and what it needs. */
export interface Engine {
  /** The `pulumi` binary. */
  readonly pulumi: string;
  /** "path": the user's; "project": .tools/bin, because no pulumi is on PATH. */
  readonly source: "path" | "project";
  /** The PULUMI_HOME it uses (plugins, credentials). */
  readonly home: string;
  /** Environment for the engine and the program (merged over the caller's). */
  readonly env: Record<string, string>;
}

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first `name` on PATH, if any. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}

/**
 * NODE_OPTIONS for the program and the dynamic providers: Node 26 warns about experimental
 * features that libraries probe on load, on every run, in the middle of the engine's progress.
 */
function quietNode(env: NodeJS.ProcessEnv): string {
  return [env.NODE_OPTIONS, "--disable-warning=ExperimentalWarning"].filter(Boolean).join(" ");
}

/** The engine to use, or undefined when there is none (the caller raises EngineMissing). */
export function findEngine(env: NodeJS.ProcessEnv = process.env): Engine | undefined {
  const nodeBin = path.join(ROOT, "node_modules", "node", "bin");
  const user = onPath("pulumi", env);
  if (user) {
    const home = env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    return {
      pulumi: user,
      source: "path",
      home,
      env: { PATH: [nodeBin, env.PATH ?? ""].join(path.delimiter), NODE_OPTIONS: quietNode(env) },
    };
  }
  const tools = projectToolsDir(env);
  const pulumi = path.join(tools, "bin", "pulumi");
  if (!executable(pulumi)) return undefined;
  const home = env.PULUMI_HOME ?? path.join(tools, "pulumi-home");
  return {
    pulumi,
    source: "project",
    home,
    env: {
      PATH: [path.join(tools, "bin"), nodeBin, env.PATH ?? ""].join(path.delimiter),
      NODE_OPTIONS: quietNode(env),
      PULUMI_HOME: home,
      // Built from source here: no update to check for, and no plugin to download.
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
  };
}

/** One line saying which engine runs, for the user. */
export function describeEngine(e: Engine, version?: string): string {
  const v = version ? ` v${version.replace(/^v/, "")}` : "";
  const at = path.relative(process.cwd(), e.pulumi).startsWith("..")
    ? e.pulumi
    : path.relative(process.cwd(), e.pulumi);
  return e.source === "path"
    ? `using pulumi${v} at ${at} (from PATH)`
    : `using the project's engine: pulumi${v} at ${at} (no pulumi on PATH)`;
}

/** The kubernetes plugin's binary in a PULUMI_HOME. */
export function kubernetesPluginPath(home: string): string {
  return path.join(home, "plugins", `resource-kubernetes-v${KUBERNETES_PLUGIN_VERSION}`, "pulumi-resource-kubernetes");
}

/** The plugin built with the project's engine, if tools/build ran. */
export function projectKubernetesPlugin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = kubernetesPluginPath(path.join(projectToolsDir(env), "pulumi-home"));
  return executable(p) ? p : undefined;
}

/** The command that installs the plugin into the engine's home (from the project's build when it exists). */
export function installPluginCommand(e: Engine, env: NodeJS.ProcessEnv = process.env): string {
  const built = projectKubernetesPlugin(env);
  const install = `pulumi plugin install resource kubernetes v${KUBERNETES_PLUGIN_VERSION}`;
  if (e.source === "project") return "tools/build (it installs the plugin into .tools/pulumi-home)";
  return built
    ? `bin/lattice engine install-plugins (runs: ${install} --file ${built})`
    : `${install} (online), or tools/build then bin/lattice engine install-plugins`;
}

/** Throws PluginMissing unless the kubernetes plugin is installed where the engine looks. */
export function requirePlugins(e: Engine, env: NodeJS.ProcessEnv = process.env): void {
  if (!executable(kubernetesPluginPath(e.home)))
    throw new PluginMissing("kubernetes", KUBERNETES_PLUGIN_VERSION, e.home, installPluginCommand(e, env));
}

/**
 * The backend the engine will use: PULUMI_BACKEND_URL, else the login in the engine's home, else
 * undefined (the caller then uses the project's local state and says so).
 */
export function configuredBackend(e: Engine, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PULUMI_BACKEND_URL) return env.PULUMI_BACKEND_URL;
  const creds = path.join(e.home, "credentials.json");
  if (!existsSync(creds)) return undefined;
  try {
    return (JSON.parse(readFileSync(creds, "utf8")) as { current?: string }).current || undefined;
  } catch {
    return undefined;
  }
}
