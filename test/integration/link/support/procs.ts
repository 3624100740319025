// `bin/lattice cell` and `bin/lattice agent` as separate real processes (harness startProcess: own
// process group, killed with the test process), with their JSON log lines readable by tests.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ControlPlane } from "../../../harness/controlplane";
import { startProcess, tail, type Proc } from "../../../harness/processes";
import { ROOT } from "../../../harness/tools";

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export const LATTICE = path.join(ROOT, "bin", "lattice");

/** A running lattice process. */
export interface LatticeProc {
  readonly proc: Proc;
  readonly log: string;
  lines(): LogLine[];
  /** The first line matching, waiting for it; throws with the log's tail if the process dies. */
  waitFor(pred: (l: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** Lines matching, now. */
  count(pred: (l: LogLine) => boolean): number;
  raw(): string;
}

/** Parse a log file's JSON lines (other lines, e.g. a Node warning, are skipped). */
export function readLines(file: string): LogLine[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((l) => {
    try {
      return l.startsWith("{") ? [JSON.parse(l) as LogLine] : [];
    } catch {
      return [];
    }
  });
}

/** Start `lattice <args>` (wrapped, e.g. in `ip netns exec`), logging to dir/<name>.log. */
export function startLattice(
  name: string,
  args: string[],
  dir: string,
  wrap: (cmd: string[]) => string[] = (c) => c,
  env?: NodeJS.ProcessEnv,
): LatticeProc {
  const log = path.join(dir, `${name}.log`);
  const [bin, ...rest] = wrap([LATTICE, ...args]);
  const proc = startProcess(name, bin!, rest, log, env ? { ...process.env, ...env } : undefined);
  const lines = () => readLines(log);
  return {
    proc,
    log,
    lines,
    raw: () => {
      try {
        return readFileSync(log, "utf8");
      } catch {
        return "";
      }
    },
    count: (pred) => lines().filter(pred).length,
    async waitFor(pred, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines().find(pred);
        if (hit) return hit;
        if (!proc.isRunning()) throw new Error(`${name} exited before "${what}":\n${tail(log, 30)}`);
        if (Date.now() > deadline) throw new Error(`${name}: no "${what}" after ${timeoutMs} ms:\n${tail(log, 30)}`);
        await sleep(50);
      }
    },
  };
}

/** What the cell logs when it serves. */
export interface CellReady {
  grpcPort: number;
  bootstrapPort: number;
  grpcAddress: string;
  bootstrapUrl: string;
  instance: string;
  /** The longest a silent agent keeps its stream on this cell. */
  silentAgentDroppedWithinMs: number;
}

/** Start a cell for `parent` listening on `host` (ports picked by the kernel) and wait until ready. */
export async function startCell(
  parent: ControlPlane,
  dir: string,
  opts: { host: string; name?: string; args?: string[]; env?: NodeJS.ProcessEnv; noWait?: boolean },
): Promise<LatticeProc & { ready: CellReady }> {
  const p = startLattice(
    opts.name ?? "cell",
    [
      "cell",
      "--kubeconfig",
      parent.kubeconfigPath,
      "--listen",
      `${opts.host}:0`,
      "--bootstrap-listen",
      `${opts.host}:0`,
      "--advertise",
      opts.host,
      "--keepalive-interval",
      "2s",
      "--keepalive-timeout",
      "2s",
      "--status-refresh",
      "2s",
      "--lease-renew",
      "2s",
      "--status-qps",
      "200",
      ...(opts.args ?? []),
    ],
    dir,
    undefined,
    opts.env,
  );
  if (opts.noWait) return { ...p, ready: undefined as unknown as CellReady };
  const ready = (await p.waitFor((l) => l.msg === "cell ready", "cell ready", 60_000)) as unknown as CellReady;
  return { ...p, ready };
}

/** Run `lattice <args>` to completion; its exit code and log lines. */
export async function runLattice(
  name: string,
  args: string[],
  dir: string,
  wrap?: (cmd: string[]) => string[],
): Promise<{ code: number | string; lines: LogLine[]; raw: string }> {
  const p = startLattice(name, args, dir, wrap);
  const code = await p.proc.exited;
  return { code, lines: p.lines(), raw: p.raw() };
}
