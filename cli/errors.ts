// Expected failures of `bin/lattice`, and the one place they are printed. A command that meets a
// failure a person can fix throws a CliError (or one of the typed failures in ./failures.ts): what
// failed and why in the message, the command that fixes it in `fix`. cli/main.ts prints it as
//
//   lattice <command>: <what failed>: <why>
//     fix: <the command that fixes it>
//
// and exits with its code; the stack trace only with --debug. Errors of the parts a command uses
// (the Kubernetes client, node's network errors) are translated by `toCliError` so that a command
// which lets them escape still prints two lines. Anything else is a bug: one line and a pointer
// to --debug. See cli/README.md.
import { KubeError } from "../kube/client";

export interface CliErrorOptions {
  /** The command (or the step) that fixes it, printed on its own line. */
  fix?: string;
  /** The process exit code: 1 for a failed operation (the default), 2 for bad usage. */
  exitCode?: number;
  /** The error this one explains (its stack is printed with --debug). */
  cause?: unknown;
}

/** An expected failure: printed as its message and its fix, no stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly fix?: string;
  /**
   * `new CliError(message)` is a usage error (exit 2), as flag parsing throws it;
   * `new CliError(message, 1)` or `new CliError(message, { fix })` a failed operation (exit 1).
   */
  constructor(message: string, opts: number | CliErrorOptions = 2) {
    const o = typeof opts === "number" ? { exitCode: opts } : opts;
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "CliError";
    this.exitCode = o.exitCode ?? (typeof opts === "number" ? opts : 1);
    if (o.fix) this.fix = o.fix;
  }
}

/** Node's errors for a connection that could not be made, with what to say about each. */
const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens there)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "name lookup failed",
  ETIMEDOUT: "timed out",
  ECONNRESET: "connection reset",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its certificate is not trusted (self-signed)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its certificate is not trusted by the kubeconfig's CA",
  SELF_SIGNED_CERT_IN_CHAIN: "its certificate is not trusted by the kubeconfig's CA",
  ERR_TLS_CERT_ALTNAME_INVALID: "its certificate is not valid for that address",
};

/** The reason of a network error in words, or undefined when `e` is not one. */
export function networkReason(e: unknown): string | undefined {
  const code = (e as { code?: string } | undefined)?.code;
  if (code && NETWORK[code]) return NETWORK[code];
  if (e instanceof Error && /timed out/.test(e.message)) return "timed out";
  return undefined;
}

/** Errors of the parts commands use, as expected failures; undefined for anything else (a bug). */
export function toCliError(e: unknown): CliError | undefined {
  if (e instanceof CliError) return e;
  if (e instanceof KubeError) {
    const refused = e.status === 401 || e.status === 403;
    return new CliError(`the Kubernetes API server answered ${e.status} ${e.reason}: ${e.message}`, {
      fix: refused
        ? "check the kubeconfig's credentials and their RBAC (kubectl auth can-i --list)"
        : "correct the object or the cluster named above, then run the command again",
      cause: e,
    });
  }
  const network = networkReason(e);
  if (network) {
    const where = (e as { address?: string; port?: number; hostname?: string }) ?? {};
    const target = where.hostname ?? (where.address ? `${where.address}${where.port ? `:${where.port}` : ""}` : "");
    return new CliError(`cannot reach ${target || "the server"}: ${network}`, {
      fix: "check that the server runs and that the kubeconfig (or flag) names the right address",
      cause: e,
    });
  }
  return undefined;
}

/** Where the report goes; tests pass their own. */
export type Write = (s: string) => void;

/**
 * Print an error thrown by a command and return the exit code. Expected failures: their message
 * and fix. Anything else: one line, and the stack only with `debug`.
 */
export function reportError(command: string, e: unknown, debug: boolean, write: Write): number {
  const prefix = command ? `lattice ${command}` : "lattice";
  const known = toCliError(e);
  if (known) {
    // Messages made by flag parsing start with the command's name already, or with a subcommand's
    // ("agent bootstrap: …"): printed once, as "lattice agent bootstrap: …".
    const named = command && (known.message.startsWith(`${command}: `) || known.message.startsWith(`${command} `));
    write(named ? `lattice ${known.message}\n` : `${prefix}: ${known.message}\n`);
    if (known.fix) write(`  fix: ${known.fix}\n`);
    if (debug) write(stackOf(known));
    return known.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  write(`${prefix}: unexpected error: ${message.split("\n")[0]}\n`);
  write(debug ? stackOf(e) : "  (a bug in lattice? run again with --debug for the stack trace, and report it)\n");
  return 1;
}

function stackOf(e: unknown): string {
  const out: string[] = [];
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++)
    out.push(cur instanceof Error ? (cur.stack ?? cur.message) : String(cur));
  return out.map((s, i) => (i ? `caused by: ${s}` : s)).join("\n") + "\n";
}
