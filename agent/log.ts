// Structured logs for the cell and the agent: one JSON object per line on stdout, e.g.
//   {"ts":"2025-01-01T00:00:00.000Z","level":"info","component":"cell","msg":"stream bound","cluster":"c1"}
// Secrets never reach a log line: callers never pass them, and as a second guard any field whose
// name says it holds one (token, key, csr, password, ...) is written as "[redacted]".

/** Severity, lowest first. */
export type Level = "debug" | "info" | "warn" | "error";

const RANK: Readonly<Record<Level, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields attached to one log line. */
export type Fields = Readonly<Record<string, unknown>>;

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds these fields to every line. */
  child(fields: Fields): Logger;
}

/** Field names whose values are never written. */
const SECRET_FIELD =
  /^(token|bearer|authorization|key|privatekey|private_key|keypem|tlskey|csr|csrpem|password|secret)$/i;

/** True for a level name. */
export function isLevel(s: string): s is Level {
  return s in RANK;
}

function encode(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A JSON-lines logger writing to `write` (stdout by default). */
export function jsonLogger(opts: {
  component: string;
  level?: Level;
  write?: (line: string) => void;
  fields?: Fields;
}): Logger {
  const min = RANK[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => void process.stdout.write(line));
  const make = (base: Fields): Logger => {
    const emit = (level: Level, msg: string, fields?: Fields) => {
      if (RANK[level] < min) return;
      const line: Record<string, unknown> = { ts: new Date().toISOString(), level, component: opts.component, msg };
      for (const [k, v] of Object.entries({ ...base, ...fields })) {
        line[k] = SECRET_FIELD.test(k) ? "[redacted]" : encode(v);
      }
      write(JSON.stringify(line) + "\n");
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.fields ?? {});
}

/** A logger that keeps its lines in memory (tests read `lines`). */
export function memoryLogger(
  component = "test",
  level: Level = "debug",
): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = jsonLogger({ component, level, write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return Object.assign(log, { lines });
}
