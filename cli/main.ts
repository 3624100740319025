// Entry point of `bin/lattice`: a table from command name to the module that runs it. Modules load
// lazily, so `lattice render` never pays for gRPC or the Automation API.
import { CliError } from "./args";

/** A command: parse its own argv and return the process exit code. */
export type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  // Each command adds its row here: name → summary and a lazy import of cli/commands/<name>.ts.
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: lattice <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nlattice <command> --help for its flags\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`lattice: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await entry.load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`lattice: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`lattice: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
