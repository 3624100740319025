// Runs Pulumi stacks on the test bed through the Automation API: the CLI built by tools/build, a
// file backend in a temp directory, the project-local PULUMI_HOME, a passphrase, no plugin
// acquisition, and the test-bed binaries plus the project's Node first on PATH. Engine events of every
// operation are kept for assertions.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { removeDir } from "./processes";
import { NODE_BIN_DIR, PULUMI_HOME, requirePulumiHome, ROOT, toolPath, TOOLS_BIN } from "./tools";

/** The environment every engine run on the test bed uses (also for a plain `pulumi` CLI run). */
export function testbedEnv(stateDir: string): Record<string, string> {
  toolPath("pulumi");
  toolPath("pulumi-language-nodejs");
  requirePulumiHome();
  toolPath("pulumi-resource-pulumi-nodejs");
  return {
    PULUMI_HOME,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "lattice-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PATH: [TOOLS_BIN, NODE_BIN_DIR, process.env.PATH ?? ""].join(":"),
    // As bin/lattice does (cli/engine.ts): Node 26's experimental-feature warnings, printed by the
    // program on every run, are not the engine's progress.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--disable-warning=ExperimentalWarning"].filter(Boolean).join(" "),
  };
}

/** What an operation did: the summary counts and the engine events it emitted. */
export interface OpResult {
  /** e.g. { create: 3 } or { same: 3 } */
  changes: Record<string, number>;
  events: EngineEvent[];
  stdout: string;
}

/** A stack of a program directory on the test bed. */
export interface TestStack {
  readonly stack: Stack;
  readonly stateDir: string;
  readonly env: Record<string, string>;
  setConfig(config: ConfigMap): Promise<void>;
  preview(): Promise<OpResult>;
  up(opts?: { parallel?: number }): Promise<OpResult>;
  refresh(): Promise<OpResult>;
  destroy(): Promise<OpResult>;
  outputs(): Promise<Record<string, unknown>>;
  /** Remove the stack's state directory (after destroy). */
  dispose(): Promise<void>;
}

export interface StackOptions {
  /** The Pulumi project directory (holding Pulumi.yaml); the repository root by default. */
  workDir?: string;
  stackName?: string;
  config?: ConfigMap;
  /** Extra environment for the engine and the program. */
  env?: Record<string, string>;
  /** Reuse a state directory (e.g. two stacks in one backend); a new temp dir by default. */
  stateDir?: string;
  /** Another PULUMI_HOME than the test bed's (which has the kubernetes plugin and no automatic log). */
  pulumiHome?: string;
}

/** Create (or select) a stack of a program directory on the test bed. */
export async function openStack(opts: StackOptions = {}): Promise<TestStack> {
  const ownsState = !opts.stateDir;
  const stateDir = opts.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "lattice-state-"));
  const pulumiHome = opts.pulumiHome ?? PULUMI_HOME;
  const env = { ...testbedEnv(stateDir), ...opts.env, PULUMI_HOME: pulumiHome };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(TOOLS_BIN), skipVersionCheck: true });
  // The Automation API writes the stack's settings next to Pulumi.yaml; remove what we add.
  const settings = path.join(opts.workDir ?? ROOT, `Pulumi.${opts.stackName ?? "test"}.yaml`);
  const ownsSettings = !existsSync(settings);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: opts.stackName ?? "test", workDir: opts.workDir ?? ROOT },
    { envVars: env, pulumiHome, pulumiCommand },
  );
  if (opts.config) await stack.setAllConfig(opts.config);

  const run = async <R extends { stdout: string }>(
    op: (onEvent: (e: EngineEvent) => void) => Promise<R>,
    changesOf: (r: R) => Record<string, number> | undefined,
  ): Promise<OpResult> => {
    const events: EngineEvent[] = [];
    const r = await op((e) => events.push(e));
    return { changes: changesOf(r) ?? {}, events, stdout: r.stdout };
  };
  return {
    stack,
    stateDir,
    env,
    setConfig: (config) => stack.setAllConfig(config),
    preview: () =>
      run(
        (onEvent) => stack.preview({ onEvent }),
        (r) => r.changeSummary as Record<string, number>,
      ),
    up: (o = {}) =>
      run(
        (onEvent) => stack.up({ onEvent, ...o }),
        (r) => r.summary.resourceChanges,
      ),
    refresh: () =>
      run(
        (onEvent) => stack.refresh({ onEvent }),
        (r) => r.summary.resourceChanges,
      ),
    destroy: () =>
      run(
        (onEvent) => stack.destroy({ onEvent }),
        (r) => r.summary.resourceChanges,
      ),
    outputs: async () => Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value])),
    async dispose() {
      if (ownsState) removeDir(stateDir);
      if (ownsSettings) rmSync(settings, { force: true });
    },
  };
}

/** The resource steps of an operation (one per resource), from its engine events. */
export function stepsOf(events: readonly EngineEvent[]): { op: string; urn: string; type: string }[] {
  return events
    .map((e) => e.resourcePreEvent?.metadata)
    .filter((m): m is NonNullable<typeof m> => !!m)
    .map((m) => ({ op: m.op, urn: m.urn, type: m.type }));
}
