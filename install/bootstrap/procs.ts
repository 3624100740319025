// Processes of a local control plane. A Launcher starts one binary with its log file; the caller
// chooses what a process's life is tied to:
//   - durableLauncher (the installer): detached, in its own process group, NOT killed when the
//     installer exits or is killed — a bootstrap (or a simulated cluster) outlives the command that
//     started it, and `--resume` finds it again by the pid recorded in its state file;
//   - the test bed's startProcess (test/harness/processes.ts): killed with the test process.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A started process, whoever owns its life. */
export interface Launched {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  isRunning(): boolean;
  stop(graceMs?: number): Promise<void>;
}

/** Starts `bin args`, appending stdout and stderr to `log`. */
export type Launcher = (name: string, bin: string, args: string[], log: string, env?: NodeJS.ProcessEnv) => Launched;

/** True while a process with this pid exists (and is not a zombie we could reap). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, parent gone or not reaping) still answers kill 0.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc: trust kill 0
  }
}

/** SIGTERM the process group, SIGKILL after the grace period, and wait until the leader is gone. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // gone
      }
    }
  };
  if (!alive(pid)) return;
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  signal("SIGKILL");
  while (alive(pid)) await sleep(20);
}

/** A process that outlives its starter (see the file comment), known by its pid. */
export function adoptPid(name: string, pid: number, log: string): Launched {
  return {
    name,
    pid,
    log,
    isRunning: () => alive(pid),
    stop: (graceMs) => stopPid(pid, graceMs),
  };
}

/** The installer's launcher: detached, unreferenced, surviving the installer. */
export const durableLauncher: Launcher = (name, bin, args, log, env) => {
  const fd = openSync(log, "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (!child.pid) throw new Error(`${name}: could not start ${bin}`);
  child.unref();
  // Reap it if it exits while we still run (no zombie for alive() to see).
  child.once("exit", () => undefined);
  return adoptPid(name, child.pid, log);
};

const handedOut = new Set<number>();

/** n distinct free TCP ports on 127.0.0.1 (held together while chosen, never repeated in-process). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < n) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => resolve());
      });
      servers.push(srv);
      const port = (srv.address() as net.AddressInfo).port;
      if (!handedOut.has(port)) {
        handedOut.add(port);
        ports.push(port);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return ports;
}

/** True when something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}
