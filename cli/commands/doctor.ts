// `lattice doctor [--stack ENV] [--kubeconfig PATH]`: is this machine and this stack's cluster ready
// for Lattice? One line per check — ok, FAIL with the fix, or skip with why — from the same checks
// `preview`/`up` run before the engine (cli/checks.ts). Exit 1 when anything needed fails.
import * as path from "node:path";
import { CliError, parseFlags } from "../args";
import {
  checkApi,
  checkCell,
  checkCrds,
  checkDocuments,
  checkEngine,
  checkKubeconfig,
  checkNode,
  checkPlugins,
  checkStack,
  type CheckContext,
  type CheckResult,
} from "../checks";
import { processIO, type CommandIO } from "./common";
import { findProject } from "./stack";

const HELP = `usage: lattice doctor [--stack ENV] [--cwd DIR] [--kubeconfig PATH]

Checks, one line each: Node, the Pulumi engine and its plugins, the stack, its kubeconfig, the API
server, the CRDs Lattice renders for (Cilium, Istio, Cluster API), the stack's documents, and the
cell when clusters are declared. Without --stack the cluster is --kubeconfig's (or KUBECONFIG's).
Exit 0 when everything needed is ok, 1 otherwise.
`;

const WIDTH = 12;

/** One check's lines: status, name, detail, and the fix under a failure. */
export function formatResult(r: CheckResult): string {
  const status = { ok: "ok  ", fail: "FAIL", skip: "skip" }[r.status];
  const [first, ...rest] = r.detail.split("\n");
  const pad = " ".repeat(6 + WIDTH);
  const lines = [`${status}  ${r.name.padEnd(WIDTH)}${first}`, ...rest.map((l) => pad + l.trim())];
  if (r.error?.fix) lines.push(`${pad}fix: ${r.error.fix}`);
  return lines.join("\n") + "\n";
}

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values } = parseFlags("doctor", argv, {
    stack: { type: "string", short: "s" },
    cwd: { type: "string" },
    kubeconfig: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const workDir = values.cwd ? path.resolve(values.cwd) : (findProject(process.cwd()) ?? process.cwd());
  if (values.stack && values.kubeconfig)
    throw new CliError("doctor: --stack reads the kubeconfig from the stack; give --stack or --kubeconfig");
  const kubeconfig = values.kubeconfig ?? (values.stack ? undefined : process.env.KUBECONFIG);
  const ctx: CheckContext = {
    workDir,
    ...(values.stack ? { stackName: values.stack } : {}),
    ...(kubeconfig
      ? { kubeconfig: { value: kubeconfig, origin: { flag: values.kubeconfig ? "--kubeconfig" : "KUBECONFIG" } } }
      : {}),
  };
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    io.out(formatResult(r));
  };
  try {
    report(await checkNode());
    report(await checkEngine(ctx));
    report(await checkPlugins(ctx));
    if (values.stack) report(await checkStack(ctx, false, () => undefined));
    report(await checkKubeconfig(ctx));
    report(await checkApi(ctx));
    if (values.stack) report(await checkDocuments(ctx));
    report(await checkCrds(ctx));
    report(await checkCell(ctx));
  } finally {
    ctx.target?.client.close();
  }
  const failed = results.filter((r) => r.status === "fail").length;
  io.out(failed ? `\n${failed} check${failed === 1 ? "" : "s"} failed\n` : "\nall checks passed\n");
  return failed ? 1 : 0;
}
