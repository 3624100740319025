// `lattice preview|up|destroy --stack ENV`: a pipeline step on the Pulumi Automation API. It runs
// the Lattice program (the directory holding Pulumi.yaml: --cwd, else the nearest one above the
// working directory) with the user's pulumi, or the project's engine when none is on PATH (saying
// which), and the caller's PULUMI_* environment. Before the engine starts it checks what the run
// needs (cli/checks.ts: plugins, stack, kubeconfig, API server, documents, CRDs) and stops at the
// first failure with what to do; preview and up create a missing stack. It streams the engine's
// progress (one line per change), then reports which Lattice documents changed and which
// agreements are one-sided. `up` previews first and applies only if the preview passed.
//
// Exit codes: 0 done; 1 a check or the engine failed; 2 bad usage; 3 --fail-on-one-sided found one.
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { CliError, parseFlags } from "../args";
import {
  checkApi,
  checkCrds,
  checkDocuments,
  checkEngine,
  checkKubeconfig,
  checkPlugins,
  checkStack,
  type CheckContext,
} from "../checks";
import { translateEngineError } from "../engine-errors";
import { EngineFailed } from "../failures";
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
  --cwd DIR              the Lattice project (holding Pulumi.yaml); default: the nearest above the
                         working directory
${op === "destroy" ? "" : APPLY_FLAGS_HELP}`;

const APPLY_FLAGS_HELP = `\
  --fail-on-one-sided    exit 3 when a declaration has no counterpart (before applying, for up)
  --refresh              refresh the stack's state from the cluster first
`;

/** The nearest directory at or above `from` holding Pulumi.yaml. */
export function findProject(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Everything the engine needs, checked first (cli/checks.ts): the engine and its plugins, the stack
 * (created by preview/up when missing), its kubeconfig and API server, and for preview/up the
 * documents and the CRDs they render for. The first failure is thrown as its typed error.
 */
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
  const note = (s: string) => io.err(`lattice: ${s}\n`);
  const ctx: CheckContext = { workDir, stackName: values.stack };
  const checks = [
    () => checkEngine(ctx),
    () => checkPlugins(ctx),
    () => checkStack(ctx, op !== "destroy", note),
    () => checkKubeconfig(ctx),
    () => checkApi(ctx),
    ...(op === "destroy" ? [] : [() => checkDocuments(ctx), () => checkCrds(ctx)]),
  ];
  try {
    for (const check of checks) {
      const r = await check();
      if (r.status === "fail") throw r.error!;
      if (r.name === "engine") note(r.detail.replace(/^(pulumi|the project)/, "using $1"));
      if (r.name === "stack" && ctx.backend?.projectDefault)
        note(
          `no Pulumi backend configured (PULUMI_BACKEND_URL, pulumi login): the stack's state is in ${ctx.backend.url}`,
        );
    }
  } finally {
    ctx.target?.client.close();
  }
  return { stack: ctx.stack!, failOnOneSided: !!values["fail-on-one-sided"], refresh: !!values.refresh };
}

/** Run one engine operation with its progress on `io`; `details` shows each resource's diff in a preview. */
async function run(
  stack: Stack,
  op: Operation,
  io: CommandIO,
  refresh: boolean,
  details = false,
): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  const common = { onOutput: io.out, onEvent: (e: EngineEvent) => events.push(e) };
  try {
    if (op === "preview") await stack.preview({ ...common, refresh, diff: details });
    else if (op === "up") await stack.up({ ...common, refresh });
    else await stack.destroy(common);
  } catch (e) {
    throw new OperationFailed(e, events);
  }
  return events;
}

/** An engine operation failed; its events say which resources reported what. */
class OperationFailed extends Error {
  constructor(
    readonly failure: unknown,
    readonly events: readonly EngineEvent[],
  ) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
  }
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
    // `lattice preview` shows every resource's diff; the preview `up` makes first only its steps.
    const preview = await run(stack, "preview", io, refresh, op === "preview");
    const previewOneSided = oneSidedWarnings(preview);
    io.out("\n" + renderReport(changedDocuments(preview), previewOneSided));
    if (failOnOneSided && previewOneSided.length) {
      io.err(
        `lattice ${op}: ${previewOneSided.length} one-sided agreement(s) and --fail-on-one-sided` +
          `${op === "up" ? ": nothing applied" : ""}\n`,
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
    throw engineFailure(op, e, stack.name);
  }
}

/**
 * The engine failed: the errors it reported for resources, shortest first line first, with the fix
 * the message carries (Lattice's providers end theirs with "fix: …") or a pointer to the output.
 */
function engineFailure(op: Operation, e: unknown, stack: string): CliError {
  const known = translateEngineError(e instanceof OperationFailed ? e.failure : e, stack);
  if (known) return known;
  const events = e instanceof OperationFailed ? e.events : [];
  const errors = events
    .map((ev) => ev.diagnosticEvent)
    .filter(
      (d): d is NonNullable<typeof d> => d?.severity === "error" && !/^update failed|^preview failed/.test(d.message),
    )
    .map((d) => ({ resource: d.urn ? d.urn.split("::").pop()! : "", text: unwrapReasons(d.message.trim()) }));
  if (!errors.length) {
    const first =
      String((e as Error).message)
        .split("\n")
        .find((l) => /error:/.test(l)) ?? (e as Error).message;
    return new EngineFailed(
      `the engine failed: ${first.replace(/^.*?error: /, "").trim()}`,
      "see the engine's output above; --debug prints everything",
    );
  }
  const [what, fix] = errors[0]!.text.split(/\n\s*fix: /);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""} above)` : "";
  return new EngineFailed(
    `${what!.replace(/^error: /, "").split("\n")[0]}${more}`,
    fix ??
      `see the engine's output above for ${errors[0]!.resource || "the error"}; ` +
        `then lattice ${op} --stack ${stack} again`,
  );
}

/**
 * A resource that was applied but did not finish (a ServiceSet whose rollout timed out) reaches the
 * engine as a partial failure, which the engine prints as "1 error occurred:\n\t* <reason>": the
 * reasons, from the first, are the message.
 */
export function unwrapReasons(text: string): string {
  const m = /^(?:error: )?\d+ errors? occurred:\n\s*\* ([\s\S]*)$/.exec(text);
  return m ? m[1]! : text;
}

export const preview = (argv: string[], io: CommandIO = processIO) => operate("preview", argv, io);
export const up = (argv: string[], io: CommandIO = processIO) => operate("up", argv, io);
export const destroy = (argv: string[], io: CommandIO = processIO) => operate("destroy", argv, io);
