// The `local` bootstrap of `lattice install` / `uninstall`: a control plane in <state-dir>/bootstrap
// (etcd with fsync), the Cluster API core manager and the machine providers as local processes, the
// CRDs labelled and the Provider inventory written as clusterctl would. Every piece is recorded in
// the directory's state.json before the call returns, so a run killed anywhere is re-adopted by
// the next: running processes by pid, dead ones started again with the same command line and data.
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { installLinkCrds } from "../../agent/deploy/crds";
import type { KubeClient } from "../../kube/client";
import { CORE_PROVIDER, crdSetsFor, inventory, type MachineProviders } from "../components";
import { capiWebhookConfigurations, startCapiManager } from "./capi";
import {
  adoptLocalControlPlane,
  installCrds,
  launchRecorded,
  readState,
  startLocalControlPlane,
  stopRecorded,
  type LocalControlPlane,
} from "./controlplane";
import { loadCrds } from "./crds";
import { durableLauncher } from "./procs";

export const BOOTSTRAP_DIR = "bootstrap";
const NAME = "bootstrap";
const CAPI = `${NAME}/cluster-api-manager`;
const MACHINES = `${NAME}/machine-providers`;

export const bootstrapDir = (stateDir: string) => path.join(stateDir, BOOTSTRAP_DIR);

/** Start the local bootstrap, or find the one an earlier run started; ready to provision on return. */
export async function ensureLocalBootstrap(
  stateDir: string,
  machines: MachineProviders,
  log: (line: string) => void,
): Promise<LocalControlPlane> {
  const dir = bootstrapDir(stateDir);
  let cp = await adoptLocalControlPlane(dir, durableLauncher);
  if (cp) log(`bootstrap: re-adopted ${cp.server} (${cp.processes.length} processes, data ${dir})`);
  else {
    cp = await startLocalControlPlane({ dir, name: NAME, fsync: true, launcher: durableLauncher });
    log(`bootstrap: control plane started at ${cp.server} (etcd with fsync, data ${dir})`);
  }
  const recorded = new Set(readState(dir)?.processes.map((p) => p.name));
  if (!recorded.has(CAPI)) {
    await startCapiManager(cp, {
      clusterctlLabels: true,
      providers: crdSetsFor(machines).filter((s) => s !== "capi-core"),
      launcher: durableLauncher,
      record: true,
    });
    log("bootstrap: Cluster API core manager running (out of cluster, webhooks on 127.0.0.1)");
  } else {
    // Recorded by an earlier run, which may have been killed before the CRDs or webhooks were in.
    const rec = readState(dir)!.processes.find((p) => p.name === CAPI)!;
    const port = Number(rec.args[rec.args.indexOf("--webhook-port") + 1]);
    await installCrds(cp.client, loadCrds(crdSetsFor(machines), { clusterctlLabels: true }));
    const caBundle = Buffer.from(cp.ca.cert).toString("base64");
    for (const w of capiWebhookConfigurations((p) => `https://127.0.0.1:${port}${p}`, caBundle))
      await cp.client.apply(w, { fieldManager: "lattice-install" });
  }
  await waitCapiServing(cp.client);
  await ensureNamespace(cp.client, CORE_PROVIDER.namespace);
  for (const p of [CORE_PROVIDER, ...machines.providers]) {
    await ensureNamespace(cp.client, p.namespace);
    await cp.client.apply(inventory(p), { fieldManager: "lattice-install" });
  }
  await installLinkCrds(cp.client); // the pivot journal's kind lives with the link's
  await ensureNamespace(cp.client, "lattice-system");
  if (!recorded.has(MACHINES)) {
    const { bin, args } = machines.bootstrapProcess(cp.kubeconfigPath);
    launchRecorded(dir, durableLauncher, { name: MACHINES, bin, args, log: path.join(dir, "machine-providers.log") });
    log("bootstrap: machine providers running");
  }
  return cp;
}

/** Adopt the bootstrap if its directory holds one (for --abort, uninstall resume), else undefined. */
export async function findLocalBootstrap(stateDir: string): Promise<LocalControlPlane | undefined> {
  return adoptLocalControlPlane(bootstrapDir(stateDir), durableLauncher);
}

/**
 * The StoppingBootstrap phase of install and uninstall: refuse while the bootstrap still holds a
 * Cluster (it is kept, and the error says which), stop mirroring the journal into it, then stop its
 * processes and delete its data. `bootstrap` is undefined when a resumed run finds it already gone.
 */
export async function stopBootstrap(
  bootstrap: LocalControlPlane | undefined,
  journal: { detach(): void },
  stateDir: string,
): Promise<void> {
  if (bootstrap) {
    const left = await bootstrap.client.list("cluster.x-k8s.io/v1beta2", "Cluster");
    if (left.length)
      throw new Error(
        `the bootstrap still holds ${left.map((c) => `Cluster ${c.metadata.namespace}/${c.metadata.name}`).join(", ")}; it is kept`,
      );
    journal.detach();
    bootstrap.client.close();
  }
  await removeLocalBootstrap(stateDir);
}

/** Stop every bootstrap process and delete its data. The caller has checked it holds no Cluster. */
export async function removeLocalBootstrap(stateDir: string): Promise<void> {
  const dir = bootstrapDir(stateDir);
  if (!existsSync(dir)) return;
  await stopRecorded(dir);
  rmSync(dir, { recursive: true, force: true });
}

async function ensureNamespace(c: KubeClient, name: string): Promise<void> {
  if (!(await c.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name })))
    await c.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch(() => undefined);
}

/**
 * Wait until Cluster API answers through its webhooks: a server-side dry-run create of a Cluster
 * passes the defaulting and validating webhooks (PIVOT-AND-INSTALL.md §3.5's probe).
 */
export async function waitCapiServing(c: KubeClient, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const probe = {
    apiVersion: "cluster.x-k8s.io/v1beta2",
    kind: "Cluster",
    metadata: { name: "lattice-probe", namespace: "default" },
    spec: {
      paused: true,
      infrastructureRef: { apiGroup: "infrastructure.cluster.x-k8s.io", kind: "DockerCluster", name: "lattice-probe" },
    },
  };
  let last = "";
  while (Date.now() < deadline) {
    try {
      await c.request("POST", (await c.pathOf(probe.apiVersion, "Cluster", "default")) + "?dryRun=All", probe);
      return;
    } catch (e) {
      last = (e as Error).message;
      // A webhook that denies the probe answers: that is all this waits for.
      if (/admission webhook ".*cluster\.x-k8s\.io" denied the request/.test(last)) return;
    }
    await sleep(500);
  }
  throw new Error(`Cluster API is not answering after ${timeoutMs / 1000} s (${last})`);
}
