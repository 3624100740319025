// `lattice explain -f PATH... FROM TO`: may FROM open connections to TO? Quotes the declarations
// involved and says what is missing. Exit 0 when allowed, 3 when denied, 1 for bad input.
import { buildGraph, explain, renderExplanation } from "../../core/graph";
import { CliError, parseFlags } from "../args";
import { INPUT_FLAGS, loadInputs, printErrors, processIO, type CommandIO } from "./common";

const HELP = `usage: lattice explain -f PATH... FROM TO [-n NAMESPACE]

FROM and TO are "namespace/name", or a name that is unique across namespaces.
Exit 0 when FROM may reach TO, 3 when it may not, 1 for bad input or an unknown service.
`;

export const EXIT_DENIED = 3;

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values, positionals } = parseFlags("explain", argv, INPUT_FLAGS);
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2)
    throw new CliError(`explain: expected FROM and TO, got ${positionals.length} argument(s)`);
  const [from, to] = positionals as [string, string];
  const { docs, errors } = loadInputs("explain", values.file);
  if (errors.length > 0) {
    printErrors(io, errors);
    return 1;
  }
  const graph = buildGraph(docs, { defaultNamespace: values.namespace ?? "default" });
  const x = explain(graph, from, to);
  if (x.kind === "error") {
    io.err(`explain: ${x.message}\n`);
    return 1;
  }
  io.out(renderExplanation(x));
  return x.allowed ? 0 : EXIT_DENIED;
}
