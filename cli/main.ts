// Entry point of `bin/lattice`: a table from command name to the module that runs it. Modules load
// lazily, so `lattice render` never pays for gRPC or the Automation API. Every command's errors are
// printed here, one way (cli/errors.ts): expected failures as what failed and the fix, the stack
// trace only with --debug (accepted anywhere on the command line).
import type { CommandIO } from "./commands/common";
import { reportError } from "./errors";

/** A command: parse its own argv and return the process exit code (output to `io` when it takes one). */
export type Command = (argv: string[], io?: CommandIO) => Promise<number>;

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
  doctor: {
    summary: "check Node, the engine and plugins, a stack's cluster, its CRDs and the cell; one line each",
    load: async () => (await import("./commands/doctor")).run,
  },
  engine: {
    summary: "show which Pulumi engine and plugins lattice uses; 'engine install-plugins' for your own pulumi",
    load: async () => (await import("./commands/engine")).run,
  },
  pivot: {
    summary: "move a namespace's Cluster API objects to another management cluster (journaled, resumable)",
    load: async () => (await import("./commands/pivot")).run,
  },
  install: {
    summary: "install a self-managing cluster from one file (bootstrap, provision, pivot; resumable)",
    load: async () => (await import("./commands/install")).run,
  },
  uninstall: {
    summary: "remove a cluster lattice install made: reverse pivot, delete through Cluster API (resumable)",
    load: async () => (await import("./commands/uninstall")).run,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: lattice <command> [flags] [--debug]",
    "",
    "commands:",
    ...lines,
    "",
    "lattice <command> --help for its flags; --debug prints stack traces",
    "",
  ].join("\n");
}

const stdio: CommandIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

async function dispatch(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`lattice: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await entry.load())(rest, io);
}

/** Run a command line as bin/lattice does: the exit code, every error printed to io.err. */
export async function runCli(args: readonly string[], io: CommandIO = stdio): Promise<number> {
  const debug = args.includes("--debug");
  const argv = args.filter((a) => a !== "--debug");
  try {
    return await dispatch(argv, io);
  } catch (e) {
    return reportError(argv[0] ?? "", e, debug, io.err);
  }
}

if (require.main === module)
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
