// Where an engine operation spends CPU: samples /proc every half second and adds up, per kind of
// process, the CPU time (user + system) each process used while the sampler ran. The kinds are the
// parts of a `pulumi up`: the engine (the pulumi CLI), the language host and the program, the
// dynamic-provider host (Lattice's providers), the kubernetes provider plugin, kube-apiserver and
// etcd. A process that starts and ends between two samples is missed (the Automation API's short
// `pulumi` calls); on a shared machine CPU seconds say more than wall time.
import { readdirSync, readFileSync } from "node:fs";

/** What kind of process a command line is. */
export function kindOf(cmdline: string): string | undefined {
  if (/pulumi-resource-kubernetes/.test(cmdline)) return "kubernetes provider";
  if (/dynamic-provider/.test(cmdline)) return "dynamic providers (node)";
  if (/pulumi-resource-pulumi-nodejs/.test(cmdline)) return "dynamic providers (node)";
  if (/pulumi-language-nodejs/.test(cmdline)) return "language host";
  if (/cmd\/run|@pulumi\/pulumi\/cmd/.test(cmdline)) return "program (node)";
  if (/kube-apiserver/.test(cmdline)) return "kube-apiserver";
  if (/(^|\/)etcd(\s|\u0000|$)/.test(cmdline)) return "etcd";
  if (/(^|\/)pulumi(\s|\u0000)/.test(cmdline) || /\/pulumi$/.test(cmdline.split("\u0000")[0] ?? ""))
    return "engine (pulumi)";
  return undefined;
}

const TICKS = 100; // USER_HZ on Linux

/** A process's parent and CPU seconds so far, from /proc/<pid>/stat. */
function statOf(pid: string): { ppid: string; cpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: fields[1] ?? "0", cpu: (Number(fields[11]) + Number(fields[12])) / TICKS }; // ppid, utime, stime
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** A running sampler; stop() returns CPU seconds per kind of process. */
export interface CpuSampler {
  stop(): Record<string, number>;
}

/** Start sampling this process's descendants (the machine is shared: other people's engines and
 * API servers are not counted). Processes started after `start` count in full; those already
 * running (control planes) count from their CPU time at the first sample. */
export function startCpuSampler(intervalMs = 500): CpuSampler {
  const root = String(process.pid);
  const first = new Map<string, number>();
  const last = new Map<string, { kind: string; cpu: number }>();
  const sample = () => {
    const stats = new Map<string, { ppid: string; cpu: number }>();
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const st = statOf(pid);
      if (st) stats.set(pid, st);
    }
    const ours = (pid: string) => {
      for (let p: string | undefined = pid, n = 0; p && p !== "0" && n < 64; p = stats.get(p)?.ppid, n++)
        if (p === root) return true;
      return false;
    };
    for (const [pid, { cpu }] of stats) {
      const seen = last.get(pid);
      if (seen) {
        seen.cpu = cpu;
        continue;
      }
      if (!ours(pid)) continue;
      const kind = kindOf(cmdlineOf(pid));
      if (!kind) continue;
      last.set(pid, { kind, cpu });
      first.set(pid, sampling ? 0 : cpu);
    }
  };
  let sampling = false;
  sample(); // what already runs counts from now
  sampling = true;
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const out: Record<string, number> = {};
      for (const [pid, { kind, cpu }] of last) out[kind] = (out[kind] ?? 0) + cpu - (first.get(pid) ?? 0);
      for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 10) / 10;
      return out;
    },
  };
}
