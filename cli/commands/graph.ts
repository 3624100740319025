// `lattice graph -f PATH... [--format mermaid|dot|json]`: the agreement graph — bilateral edges,
// one-sided declarations (and which side is missing), references to unknown services, shared volumes
// and their owners. Works on sets that would not compile (that is when it is most useful).
import { buildGraph, graphToDot, graphToJson, graphToMermaid } from "../../core/graph";
import { CliError, parseFlags } from "../args";
import { INPUT_FLAGS, loadInputs, printErrors, processIO, type CommandIO } from "./common";

const HELP = `usage: lattice graph -f PATH... [--format mermaid|dot|json] [-n NAMESPACE]

Print the agreement graph of the documents: solid edges are agreements declared on both sides,
dashed ones name the missing side; unknown services and shared volumes without one owner are shown.
`;

const FORMATS = {
  mermaid: graphToMermaid,
  dot: graphToDot,
  json: (g: Parameters<typeof graphToJson>[0]) => JSON.stringify(graphToJson(g), null, 2) + "\n",
};

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values } = parseFlags("graph", argv, { ...INPUT_FLAGS, format: { type: "string" } });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const format = values.format ?? "mermaid";
  if (!Object.prototype.hasOwnProperty.call(FORMATS, format))
    throw new CliError(`graph: --format must be mermaid, dot or json, got ${format}`);
  const { docs, errors } = loadInputs("graph", values.file);
  if (errors.length > 0) {
    printErrors(io, errors);
    return 1;
  }
  const graph = buildGraph(docs, { defaultNamespace: values.namespace ?? "default" });
  io.out(FORMATS[format as keyof typeof FORMATS](graph));
  return 0;
}
