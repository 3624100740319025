// Process plumbing shared by `lattice cell` and `lattice agent`: durations, the Kubernetes client
// (a kubeconfig, or the pod's service account), addresses, waits a stop cuts short, and running until a signal.
import { KubeClient } from "../kube/client";
import { inClusterAccess } from "../kube/kubeconfig";
import type { Logger } from "./log";

/** "250ms", "10s", "5m", "1h" (or a bare number of milliseconds) → milliseconds. */
export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`${what}: "${s}" is not a duration (e.g. 500ms, 10s, 5m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}

/** host:port → parts ("[::1]:8443" too); `defaultPort` when absent. */
export function parseHostPort(
  s: string,
  what: string,
  defaultPort?: number,
): { host: string; port: number | undefined } {
  const stripped = s.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "");
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(stripped);
  if (!m) throw new Error(`${what}: "${s}" is not host[:port]`);
  const port = m[2] !== undefined ? Number(m[2]) : defaultPort;
  if (port !== undefined && !(port >= 0 && port < 65536)) throw new Error(`${what}: port ${port} out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

/** A client from a kubeconfig (path or content), else the pod's service account. */
export function kubeFrom(kubeconfig: string | undefined): KubeClient {
  return kubeconfig ? KubeClient.fromKubeconfig(kubeconfig) : new KubeClient(inClusterAccess());
}

/** Resolve with the first of SIGTERM / SIGINT. */
export function untilSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      log.info("signal received; shutting down", { signal: sig });
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(sig);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

/** Wait `ms`, or less: resolves as soon as `signal` aborts (at once if it already has). Never rejects. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
