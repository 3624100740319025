// Flag parsing shared by every command: node's parseArgs, with errors that say which flag.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./errors";

export { CliError } from "./errors";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parse argv against the options; unknown flags and missing values become a CliError (exit 2). */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${command}: ${(e as Error).message}`);
  }
}
