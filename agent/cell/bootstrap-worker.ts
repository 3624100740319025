// The bootstrap endpoint's worker thread (started by bootstrap.ts): its own API client, token
// store and CA, serving on its own event loop. Logs JSON lines to stdout like the cell.
import { parentPort, workerData } from "node:worker_threads";
import { KubeClient } from "../../kube/client";
import { jsonLogger } from "../log";
import { loadOrCreateCa } from "../pki/store";
import { TokenStore } from "../tokens/store";
import type { BootstrapWorkerData, FromWorker, ToWorker } from "./bootstrap";
import { serveBootstrap } from "./bootstrap-http";

async function main(): Promise<void> {
  const d = workerData as BootstrapWorkerData;
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  const kube = new KubeClient(d.access);
  const log = jsonLogger({ component: "cell", level: d.logLevel, fields: { part: "bootstrap" } });
  try {
    const served = await serveBootstrap({
      host: d.host,
      port: d.port,
      reusePort: d.reusePort,
      tls: d.tls,
      kube,
      namespace: d.namespace,
      tokens: new TokenStore(kube, d.namespace),
      ca: await loadOrCreateCa(kube, d.namespace),
      parentAddress: d.parentAddress,
      serverName: d.serverName,
      agentImage: d.agentImage,
      addons: d.addons,
      limits: d.limits,
      log,
    });
    port.on("message", (m: ToWorker) => {
      if (m.type === "rotate") served.rotate(m.tls);
      else if (m.type === "stop")
        void served.stop().finally(() => {
          kube.close();
          post({ type: "stopped" });
          port.close();
        });
    });
    post({ type: "ready", port: served.port });
  } catch (e) {
    post({ type: "failed", error: (e as Error).message });
    kube.close();
    port.close();
  }
}

void main();
