// `lattice preview|up|destroy --stack ENV`: a pipeline step on the Pulumi Automation API. It runs
// the Lattice program (the directory holding Pulumi.yaml: --cwd, else the nearest one above the
// working directory) with the pulumi CLI on PATH and the caller's PULUMI_* environment, streams the
// engine's progress, then reports which Lattice documents changed and which agreements are
// one-sided. `up` previews first and applies only if the preview passed.
//
// Exit codes: 0 done; 1 the engine failed; 2 bad usage; 3 --fail-on-one-sided found one.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import { CliError, parseFlags } from "../args";
import { changedDocuments, oneSidedWarnings, renderReport } from "../stack-report";
import { processIO, type CommandIO } from "./common";

const FLAGS = {
  stack: { type: "string", short: "s" },
  cwd: { type: "string" },
  "fail-on-one-sided": { type: "boolean" },
  refresh: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Operation = "preview" | "up" | "destroy";

const USAGE = (
  op: Operation,
) => `usage: lattice ${op} --stack ENV [--cwd DIR]${op === "destroy" ? "" : " [--fail-on-one-sided] [--refresh]"}

  --stack, -s ENV        the stack (environment); its settings are Pulumi.<ENV>.yaml
  --cwd DIR              the Lattice project (holding Pulumi.yaml); default: nearest above the working directory
${op === "destroy" ? "" : "  --fail-on-one-sided    exit 3 when a declaration has no counterpart (before applying, for up)\n  --refresh              refresh the stack's state from the cluster first\n"}`;

/** The nearest directory at or above `from` holding Pulumi.yaml. */
export function findProject(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function openStack(op: Operation, argv: string[], io: CommandIO) {
  const { values } = parseFlags(op, argv, FLAGS);
  if (values.help) {
    io.out(USAGE(op));
    return undefined;
  }
  if (!values.stack) throw new CliError(`${op}: --stack ENV is required\n\n${USAGE(op)}`);
  const workDir = values.cwd ? path.resolve(values.cwd) : findProject(process.cwd());
  if (!workDir || !existsSync(path.join(workDir, "Pulumi.yaml")))
    throw new CliError(`${op}: no Pulumi.yaml in ${values.cwd ?? "the working directory or above"}: pass --cwd DIR`);
  const stack = await LocalWorkspace.selectStack({ stackName: values.stack, workDir });
  return { stack, failOnOneSided: !!values["fail-on-one-sided"], refresh: !!values.refresh };
}

/** Run one engine operation with progress on stdout; returns its events. */
async function run(stack: Stack, op: Operation, io: CommandIO, refresh: boolean): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  const common = { onOutput: io.out, onEvent: (e: EngineEvent) => events.push(e) };
  if (op === "preview") await stack.preview({ ...common, refresh, diff: true });
  else if (op === "up") await stack.up({ ...common, refresh });
  else await stack.destroy(common);
  return events;
}

async function operate(op: Operation, argv: string[], io: CommandIO): Promise<number> {
  const opened = await openStack(op, argv, io);
  if (!opened) return 0;
  const { stack, failOnOneSided, refresh } = opened;
  try {
    if (op === "destroy") {
      await run(stack, "destroy", io, false);
      return 0;
    }
    const preview = await run(stack, "preview", io, refresh);
    const previewOneSided = oneSidedWarnings(preview);
    io.out("\n" + renderReport(changedDocuments(preview), previewOneSided));
    if (failOnOneSided && previewOneSided.length) {
      io.err(
        `lattice ${op}: ${previewOneSided.length} one-sided agreement(s) and --fail-on-one-sided${op === "up" ? ": nothing applied" : ""}\n`,
      );
      return 3;
    }
    if (op === "preview") return 0;
    const applied = await run(stack, "up", io, refresh);
    const oneSided = oneSidedWarnings(applied);
    io.out("\n" + renderReport(changedDocuments(applied), oneSided));
    if (failOnOneSided && oneSided.length) {
      io.err(`lattice up: applied, but ${oneSided.length} one-sided agreement(s) and --fail-on-one-sided\n`);
      return 3;
    }
    return 0;
  } catch (e) {
    // The engine's own output (already streamed) says what failed; keep the last line short.
    io.err(
      `lattice ${op}: the engine reported a failure (see above): ${String((e as Error).message).split("\n")[0]}\n`,
    );
    return 1;
  }
}

export const preview = (argv: string[]) => operate("preview", argv, processIO);
export const up = (argv: string[]) => operate("up", argv, processIO);
export const destroy = (argv: string[]) => operate("destroy", argv, processIO);
