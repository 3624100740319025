// Entry point of `bin/lattice`: a table from command name to the module that runs it. Modules load
// lazily, so `lattice render` never pays for gRPC or the Automation API.
import { CliError } from "./args";

/** A command: parse its own argv and return the process exit code. */
export type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  // Each command adds its row here: name → summary and a lazy import of cli/commands/<name>.ts.
  render: {
    summary: "compile Lattice documents and print every object (offline)",
    load: async () => (await import("./commands/render")).run,
  },
  graph: {
    summary: "print the agreement graph of Lattice documents (offline)",
    load: async () => (await import("./commands/graph")).run,
  },
  explain: {
    summary: "explain whether one service may reach another (offline)",
    load: async () => (await import("./commands/explain")).run,
  },
  preview: {
    summary: "preview a stack of the Lattice program; report changed documents and one-sided agreements",
    load: async () => (await import("./commands/stack")).preview,
  },
  up: {
    summary: "preview, then deploy a stack of the Lattice program (Automation API)",
    load: async () => (await import("./commands/stack")).up,
  },
  destroy: {
    summary: "destroy a stack of the Lattice program (Automation API)",
    load: async () => (await import("./commands/stack")).destroy,
  },
  cell: {
    summary: "run the cell: the parent's end of the agent links (gRPC mTLS + bootstrap endpoint)",
    load: async () => (await import("./commands/cell")).run,
  },
  agent: {
    summary: "run a child's agent (or 'agent bootstrap' to redeem a token first)",
    load: async () => (await import("./commands/agent")).run,
  },
  pivot: {
    summary: "move a namespace's Cluster API objects to another management cluster (journaled, resumable)",
    load: async () => (await import("./commands/pivot")).run,
  },
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
