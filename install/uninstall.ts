// `lattice uninstall`: the phases of install/journal.ts UNINSTALL_PHASES, journaled like install:
//   Bootstrapping      a local bootstrap again (same providers as the cluster runs)
//   ReversePivoting    the pivot mover, direct mode, cluster → bootstrap (its journal in the cluster)
//   StoppingLattice    only now: the providers' Deployments in the cluster are deleted
//   Deleting           the Cluster deleted through CAPI in the bootstrap, until its machines are gone
//   StoppingBootstrap  only when the bootstrap holds no Cluster
// Nothing is deleted on a failure; the same command with --resume goes on.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeClient } from "../kube/client";
import { ensureLocalBootstrap, stopBootstrap } from "./bootstrap/local";
import type { LocalControlPlane } from "./bootstrap/controlplane";
import { CAPI_NAMESPACE, type MachineProviders } from "./components";
import { UNINSTALL_PHASES, type Journal, type UninstallPhase } from "./journal";
import { InstallFailed } from "./flow";
import { moveCluster } from "./move";

const CORE = "cluster.x-k8s.io/v1beta2";

export interface UninstallOptions {
  stateDir: string;
  cluster: string;
  namespace: string;
  /** The cluster's admin kubeconfig (path). */
  kubeconfig: string;
  machines: MachineProviders;
  journal: Journal;
  timeoutSeconds: number;
  out: (line: string) => void;
}

const indexOf = (p: string) => UNINSTALL_PHASES.indexOf(p as UninstallPhase);

/** Run (or resume) an uninstall from the journal's phase. */
export async function runUninstall(o: UninstallOptions): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  let phaseStarted = Date.now();
  let current: string = o.journal.record.phase;
  const phase = async (p: UninstallPhase) => {
    phaseStarted = Date.now();
    current = p;
    await o.journal.enter(p);
    o.out(`phase ${p} (at ${elapsed()})`);
  };
  const done = (p: string) => o.out(`phase ${p} done in ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
  const say = (line: string) => o.out(`  ${line}`);
  let bootstrap: LocalControlPlane | undefined;
  try {
    const from = Math.max(0, indexOf(current));
    if (from > 0) o.out(`resuming at phase ${current} (journal ${o.journal.stateDir})`);
    if (from <= indexOf("Bootstrapping")) await phase("Bootstrapping");
    if (from <= indexOf("StoppingBootstrap")) {
      bootstrap = await ensureLocalBootstrap(o.stateDir, o.machines, say);
      await o.journal.attach(bootstrap.client);
      if (from <= indexOf("Bootstrapping")) done("Bootstrapping");
    }
    if (from <= indexOf("ReversePivoting")) {
      await phase("ReversePivoting");
      const r = await moveCluster(o.kubeconfig, bootstrap!.kubeconfigPath, o, say);
      say(`reverse pivot ${r.outcome}: ${r.objects} objects back in the bootstrap`);
      done("ReversePivoting");
    }
    if (from <= indexOf("StoppingLattice")) {
      await phase("StoppingLattice");
      const c = KubeClient.fromKubeconfig(o.kubeconfig);
      try {
        const deployments = (await c.list("apps/v1", "Deployment")).filter(
          (d) => d.metadata.labels?.["clusterctl.cluster.x-k8s.io"] !== undefined,
        );
        for (const d of deployments)
          await c.delete({
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: d.metadata.name,
            namespace: d.metadata.namespace!,
          });
        say(
          `${deployments.length} provider Deployments deleted in the cluster (${deployments.map((d) => d.metadata.name).join(", ")})`,
        );
        await c.delete({ apiVersion: "v1", kind: "Namespace", name: CAPI_NAMESPACE }).catch(() => undefined);
      } finally {
        c.close();
      }
      done("StoppingLattice");
    }
    if (from <= indexOf("Deleting")) {
      await phase("Deleting");
      const ref = { apiVersion: CORE, kind: "Cluster", name: o.cluster, namespace: o.namespace };
      if (await bootstrap!.client.getOrUndefined(ref)) {
        await bootstrap!.client.delete(ref, { propagationPolicy: "Foreground" });
        say(`Cluster ${o.namespace}/${o.cluster} deleted through Cluster API`);
      }
      const deadline = Date.now() + o.timeoutSeconds * 1000;
      let last = "";
      for (;;) {
        const machines = await bootstrap!.client.list(CORE, "Machine", { namespace: o.namespace });
        const cluster = await bootstrap!.client.getOrUndefined(ref);
        const infra = await bootstrap!.client
          .list("infrastructure.cluster.x-k8s.io/v1beta2", "DockerCluster", { namespace: o.namespace })
          .catch(() => []);
        const line = `machines left ${machines.length}${cluster ? ", Cluster deleting" : ""}${infra.length ? ", infrastructure deleting" : ""}`;
        if (line !== last) say((last = line));
        if (!cluster && machines.length === 0 && infra.length === 0) break;
        if (Date.now() > deadline)
          throw new Error(`the cluster is still being deleted after ${o.timeoutSeconds} s (${line})`);
        await sleep(500);
      }
      done("Deleting");
    }
    if (from <= indexOf("StoppingBootstrap")) {
      await phase("StoppingBootstrap");
      await stopBootstrap(bootstrap, o.journal, o.stateDir);
      bootstrap = undefined;
      say("bootstrap stopped and its data deleted");
      done("StoppingBootstrap");
    }
    await phase("Completed");
    o.out(`uninstalled ${o.namespace}/${o.cluster} in ${elapsed()}: no machines, no bootstrap left`);
  } catch (e) {
    await o.journal.update({ lastError: (e as Error)?.message ?? String(e) }).catch(() => undefined);
    throw new InstallFailed(current, e);
  } finally {
    bootstrap?.client.close();
  }
}
