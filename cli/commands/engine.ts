// `lattice engine`: which Pulumi engine the stack commands use, and whether the plugins the program
// needs are where it looks. `lattice engine install-plugins`: make your own `pulumi` able to run
// the program offline — it installs the kubernetes plugin built by tools/build into your
// PULUMI_HOME (`pulumi plugin install resource kubernetes v<version> --file <binary>`).
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { CliError, parseFlags } from "../args";
import {
  describeEngine,
  findEngine,
  installPluginCommand,
  kubernetesPluginPath,
  KUBERNETES_PLUGIN_VERSION,
  projectKubernetesPlugin,
  projectToolsDir,
  type Engine,
} from "../engine";
import { EngineMissing } from "../failures";
import { processIO, type CommandIO } from "./common";

const exec = promisify(execFile);

const HELP = `usage: lattice engine [install-plugins]

engine                   which pulumi the stack commands run (yours on PATH, else the project's
                         .tools/bin/pulumi), its PULUMI_HOME, and whether the kubernetes plugin
                         v${KUBERNETES_PLUGIN_VERSION} is installed there
engine install-plugins   install that plugin into your pulumi's PULUMI_HOME from the project's
                         build (tools/build), for machines that cannot download it
`;

async function version(e: Engine): Promise<string | undefined> {
  try {
    return (await exec(e.pulumi, ["version"], { env: { ...process.env, ...e.env } })).stdout.trim();
  } catch {
    return undefined;
  }
}

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values, positionals } = parseFlags("engine", argv, { help: { type: "boolean", short: "h" } });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [sub] = positionals;
  if (sub !== undefined && sub !== "install-plugins")
    throw new CliError(`engine: unknown subcommand ${sub} (want install-plugins)`);
  const engine = findEngine();
  if (!engine) throw new EngineMissing(path.join(projectToolsDir(), "bin", "pulumi"));
  const plugin = kubernetesPluginPath(engine.home);
  const installed = await import("node:fs").then((fs) => fs.existsSync(plugin));
  if (sub === undefined) {
    io.out(`${describeEngine(engine, await version(engine))}\n`);
    io.out(`PULUMI_HOME ${engine.home}\n`);
    io.out(
      installed
        ? `kubernetes plugin v${KUBERNETES_PLUGIN_VERSION}: installed\n`
        : `kubernetes plugin v${KUBERNETES_PLUGIN_VERSION}: MISSING — ${installPluginCommand(engine)}\n`,
    );
    return installed ? 0 : 1;
  }
  if (installed) {
    io.out(`kubernetes plugin v${KUBERNETES_PLUGIN_VERSION} is already installed in ${engine.home}\n`);
    return 0;
  }
  const built = projectKubernetesPlugin();
  if (engine.source === "project" || !built)
    throw new CliError(
      `no kubernetes plugin v${KUBERNETES_PLUGIN_VERSION} to install from: the project's build has none`,
      {
        fix: "tools/build (builds it into .tools/pulumi-home), then run this again",
      },
    );
  const args = ["plugin", "install", "resource", "kubernetes", `v${KUBERNETES_PLUGIN_VERSION}`, "--file", built];
  io.err(`lattice: ${path.basename(engine.pulumi)} ${args.join(" ")}\n`);
  try {
    await exec(engine.pulumi, args, { env: { ...process.env, ...engine.env } });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new CliError(`pulumi plugin install failed: ${(err.stderr || err.message).trim().split("\n")[0]}`, {
      fix: `run it yourself: pulumi ${args.join(" ")}`,
      cause: e,
    });
  }
  io.out(`installed the kubernetes plugin v${KUBERNETES_PLUGIN_VERSION} into ${engine.home}\n`);
  return 0;
}
