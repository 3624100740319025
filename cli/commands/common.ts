// What render, graph and explain share: the -f flag, loading and validating, printing errors.
import { loadDocuments, formatSpecError, type SourcedDocument, type SpecError } from "../../core/spec";
import { CliError } from "../args";
import { readYamlSources } from "../files";

/** Where a command writes; tests pass their own. */
export interface CommandIO {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

export const processIO: CommandIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** Istio's default trust domain, used only when --trust-domain is not given. */
export const ISTIO_DEFAULT_TRUST_DOMAIN = "cluster.local";

/** Flags every offline command accepts. */
export const INPUT_FLAGS = {
  file: { type: "string", short: "f", multiple: true },
  namespace: { type: "string", short: "n" },
  help: { type: "boolean", short: "h" },
} as const;

/** Load and validate the documents under the -f paths; errors are returned, not printed. */
export function loadInputs(
  command: string,
  files: readonly string[] | undefined,
): { docs: SourcedDocument[]; errors: SpecError[] } {
  if (!files || files.length === 0) throw new CliError(`${command}: at least one -f PATH is required`);
  return loadDocuments(readYamlSources(files));
}

/** Print errors, one per line, to stderr. */
export function printErrors(io: CommandIO, errors: readonly SpecError[]): void {
  io.err(errors.map((e) => formatSpecError(e) + "\n").join(""));
}
