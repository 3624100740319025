// What the CLI tests share: bin/lattice run as a real process, a Pulumi project of their own (a
// temp directory whose Pulumi.yaml runs the repository's infra/) with one Pulumi.<stack>.yaml per
// case, and the test bed's engine environment.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { testbedEnv } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";

const exec = promisify(execFile);

export const LATTICE = path.join(ROOT, "bin", "lattice");

/** A line of a JavaScript stack trace ("    at f (file.ts:1:2)"). */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A project directory running infra/, with its own state backend. */
export interface Project {
  readonly dir: string;
  readonly stateDir: string;
  /** The test bed's engine environment (pulumi on PATH, project PULUMI_HOME, file backend, passphrase). */
  readonly env: Record<string, string>;
  /** Write Pulumi.<stack>.yaml with these `lattice:` settings. */
  settings(stack: string, config: Record<string, string>): void;
  /** Run bin/lattice in the project; `env` is merged over the test bed's (undefined removes a variable). */
  lattice(args: string[], env?: Record<string, string | undefined>): Promise<Run>;
  /**
   * Run the same command line in this process (cli/main.ts's runCli: the same dispatch and error
   * printing, without a Node start-up per case), in the project, with the test bed's engine
   * environment.
   */
  inProcess(args: string[]): Promise<Run>;
}

export function makeProject(): Project {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-cli-project-"));
  const stateDir = path.join(dir, "state");
  mkdirSync(stateDir);
  const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").replace(
    /^main: .*$/m,
    `main: ${path.relative(dir, path.join(ROOT, "infra"))}/`,
  );
  writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
  const env = testbedEnv(stateDir);
  return {
    dir,
    stateDir,
    env,
    settings(stack, config) {
      writeFileSync(
        path.join(dir, `Pulumi.${stack}.yaml`),
        "config:\n" +
          Object.entries(config)
            .map(([k, v]) => `  lattice:${k}: ${JSON.stringify(v)}\n`)
            .join(""),
      );
    },
    async lattice(args, extra = {}) {
      const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete merged[k];
        else merged[k] = v;
      }
      try {
        const r = await exec(LATTICE, args, { cwd: dir, env: merged, maxBuffer: 1 << 26 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
      }
    },
    async inProcess(args) {
      const { runCli } = await import("../../../cli/main");
      const saved = { ...process.env };
      const cwd = process.cwd();
      let stdout = "";
      let stderr = "";
      Object.assign(process.env, env);
      process.chdir(dir);
      try {
        const code = await runCli(args, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
        return { code, stdout, stderr };
      } finally {
        process.chdir(cwd);
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    },
  };
}

/** A PATH without any pulumi: the project's Node and the system's directories. */
export function pathWithoutPulumi(): string {
  return [path.join(ROOT, "node_modules", "node", "bin"), "/usr/local/bin", "/usr/bin", "/bin"].join(":");
}
