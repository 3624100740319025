// The bootstrap endpoint, off the link's event loop: by default it runs in a worker thread of the
// cell process (bootstrap-worker.ts), with its own event loop, its own API client and its own copy
// of the CA. A flood of bootstrap connections — slow, oversized, or from many addresses — then
// costs the link's thread nothing but a share of the CPU: its streams keep their round trips.
// "inline" serves it on the calling thread (unit tests, which cannot start a TypeScript worker).
//
//   main thread ──workerData (API access, TLS, addresses, limits)──► worker: serveBootstrap()
//               ◄── {type: "ready", port} / {type: "failed", error}
//               ──► {type: "rotate", tls} / {type: "stop"}        ◄── {type: "stopped"}
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { ClusterAccess } from "../../kube/kubeconfig";
import type { Level } from "../log";
import { loadOrCreateCa } from "../pki/store";
import type { TlsMaterial } from "../protocol/tls";
import { TokenStore } from "../tokens/store";
import type { KubeObject } from "../../core/k8s/object";
import {
  serveBootstrap,
  type BootstrapLimits,
  type BootstrapServeOptions,
  type ServedBootstrap,
} from "./bootstrap-http";

export { DEFAULT_BOOTSTRAP_LIMITS, REFUSED, type BootstrapLimits } from "./bootstrap-http";

/** What the endpoint needs: what serving it needs, but the token store and the CA, which are built
 * where it runs (in the worker, from the cluster). */
export interface BootstrapOptions extends Omit<BootstrapServeOptions, "tokens" | "ca"> {
  /** worker (default): its own thread; inline: this thread. */
  isolation?: "worker" | "inline";
  /** The worker's log level (its lines go to stdout like the cell's). */
  logLevel?: Level;
}

/** A running bootstrap endpoint. */
export interface BootstrapServer {
  readonly port: number;
  /** Swap in a renewed serving certificate. */
  rotate(tls: TlsMaterial): void;
  stop(): Promise<void>;
}

/** What the worker is started with (structured-clone safe). */
export interface BootstrapWorkerData {
  access: ClusterAccess;
  namespace: string;
  host: string;
  port: number;
  reusePort: boolean;
  tls: TlsMaterial;
  parentAddress: string;
  serverName: string;
  agentImage: string;
  addons: readonly KubeObject[];
  limits: Partial<BootstrapLimits>;
  logLevel: Level;
}

/** Messages from the worker. */
export type FromWorker = { type: "ready"; port: number } | { type: "failed"; error: string } | { type: "stopped" };
/** Messages to the worker. */
export type ToWorker = { type: "rotate"; tls: TlsMaterial } | { type: "stop" };

/** Start the endpoint on host:port (0 picks a port). */
export async function startBootstrapServer(o: BootstrapOptions): Promise<BootstrapServer> {
  if (o.isolation === "inline") return startInline(o);
  return startWorker(o);
}

async function startInline(o: BootstrapOptions): Promise<ServedBootstrap> {
  return serveBootstrap({
    ...o,
    tokens: new TokenStore(o.kube, o.namespace),
    ca: await loadOrCreateCa(o.kube, o.namespace),
  });
}

/** The worker's entry: compiled (.js next to this file) or TypeScript under ts-node. */
function workerEntry(): { file: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `bootstrap-worker${ext}`);
  if (ext !== ".ts" || process.execArgv.some((a) => a.includes("ts-node"))) return { file };
  // A TypeScript source run without ts-node in this process's flags (e.g. under jest): register it.
  const root = path.resolve(__dirname, "..", "..");
  return {
    file,
    execArgv: ["-r", require.resolve("ts-node/register")],
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") },
  };
}

async function startWorker(o: BootstrapOptions): Promise<BootstrapServer> {
  const data: BootstrapWorkerData = {
    access: o.kube.access,
    namespace: o.namespace,
    host: o.host,
    port: o.port,
    reusePort: o.reusePort ?? false,
    tls: o.tls,
    parentAddress: o.parentAddress,
    serverName: o.serverName,
    agentImage: o.agentImage,
    addons: o.addons ?? [],
    limits: o.limits ?? {},
    logLevel: o.logLevel ?? "info",
  };
  const entry = workerEntry();
  const worker = new Worker(entry.file, {
    workerData: data,
    ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
    ...(entry.env ? { env: entry.env } : {}),
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const port = await new Promise<number>((resolve, reject) => {
    worker.on("message", (m: FromWorker) => {
      if (m.type === "ready") resolve(m.port);
      else if (m.type === "failed") reject(new Error(`bootstrap endpoint: ${m.error}`));
    });
    worker.once("error", reject);
    void exited.then((code) => reject(new Error(`bootstrap endpoint worker exited with ${code}`)));
  });
  worker.on("error", (e) => o.log.error("bootstrap endpoint worker failed", { error: e }));
  let stopping: Promise<void> | undefined;
  return {
    port,
    rotate: (tls) => worker.postMessage({ type: "rotate", tls } satisfies ToWorker),
    stop() {
      stopping ??= (async () => {
        worker.postMessage({ type: "stop" } satisfies ToWorker);
        const t = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(t);
      })();
      return stopping;
    },
  };
}
