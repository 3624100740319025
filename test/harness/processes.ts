// Child processes of the test bed, started so that none outlives the process that started it:
//  - each runs in its own process group (detached), logging to a file;
//  - stop() sends SIGTERM, then SIGKILL after a grace period, and waits for the exit;
//  - a process 'exit' handler kills whatever is still running (a failed or interrupted test);
//  - a small watchdog shell per group kills the group and removes its directory if the Node
//    process dies without running its handlers (SIGKILL, OOM).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";

/** A running child process with its log file. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  /** Resolves with the exit code (or signal) when the process exits. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const child of live) killGroup(child.pid, "SIGKILL");
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      for (const child of live) killGroup(child.pid, "SIGKILL");
      process.kill(process.pid, sig); // default action, now that our children are gone
    });
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Start a binary in its own process group, stdout and stderr appended to `log`. */
export function startProcess(name: string, bin: string, args: string[], log: string, env?: NodeJS.ProcessEnv): Proc {
  installExitHandlers();
  const fd = openSync(log, "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (!child.pid) throw new Error(`${name}: could not start ${bin}`);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });
  const pid = child.pid;
  let running = true;
  void exited.then(() => (running = false));
  return {
    name,
    pid,
    log,
    exited,
    isRunning: () => running,
    async stop(graceMs = 5000) {
      if (!running) return;
      killGroup(pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      killGroup(pid, "SIGKILL"); // anything the process left in its group
    },
  };
}

/**
 * A watchdog that kills the given process groups and removes `dir` once `parentPid` is gone. It is
 * itself a detached shell, so it survives a SIGKILL of the parent; stop it on a normal teardown.
 */
export function startWatchdog(parentPid: number, pids: number[], dir: string): Proc {
  // Values travel in the environment, so the watchdog's command line names no test directory.
  const script =
    'while kill -0 "$PARENT" 2>/dev/null; do sleep 1; done; for p in $PIDS; do kill -KILL -"$p" 2>/dev/null; done; sleep 1; rm -rf "$DIR"';
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", PARENT: String(parentPid), PIDS: pids.join(" "), DIR: dir };
  return startProcess("watchdog", "/bin/sh", ["-c", script], "/dev/null", env);
}

// Ports come from the product (install/bootstrap/procs.ts), so the installer and the test bed in
// one process never hand out the same port twice.
export { freePorts, isListening } from "../../install/bootstrap/procs";

/** Remove a directory tree, ignoring one that is already gone. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
