// `lattice install`: the phases of install/journal.ts INSTALL_PHASES, each written ahead to the
// journal and each idempotent, so a run killed anywhere resumes with `--resume`:
//   Bootstrapping      the local bootstrap (install/bootstrap/local.ts): adopt or start
//   Provisioning       the LatticeCluster in root mode through the engine (install/provision.ts)
//   TargetProviders    the Cluster API components into the new cluster, until they answer
//   Pivoting           the pivot mover, direct mode (pivot/**): bootstrap → new cluster
//   StoppingBootstrap  only when the pivot completed AND the bootstrap holds no Cluster
// Nothing is deleted on a failure; `--abort` (before the pivot) deletes the Cluster through CAPI
// (so the machines go) and then the bootstrap.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterSpec } from "../components/cluster";
import { KubeClient } from "../kube/client";
import { freePorts } from "./bootstrap/procs";
import { createCa } from "./bootstrap/pki";
import {
  ensureLocalBootstrap,
  findLocalBootstrap,
  removeLocalBootstrap,
  stopBootstrap,
  waitCapiServing,
} from "./bootstrap/local";
import type { LocalControlPlane } from "./bootstrap/controlplane";
import { installCrds } from "./bootstrap/controlplane";
import { renderCoreProvider, type MachineProviders } from "./components";
import { INSTALL_PHASES, Journal, type InstallPhase } from "./journal";
import { moveCluster } from "./move";
import { forgetProvisioning, provision } from "./provision";

const CORE = "cluster.x-k8s.io/v1beta2";
const FIELD_MANAGER = "lattice-install";

export interface InstallOptions {
  stateDir: string;
  cluster: string;
  namespace: string;
  spec: ClusterSpec;
  machines: MachineProviders;
  journal: Journal;
  timeoutSeconds: number;
  /** Phase lines (with elapsed time) and progress, one line per change. */
  out: (line: string) => void;
}

/** Thrown with the phase it failed in; the CLI prints the resume command. */
export class InstallFailed extends Error {
  constructor(
    readonly phase: string,
    override readonly cause: unknown,
  ) {
    super(`${phase}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "InstallFailed";
  }
}

/** Where the new cluster's kubeconfig goes. */
export const kubeconfigFile = (stateDir: string, cluster: string) => path.join(stateDir, `${cluster}.kubeconfig`);

const indexOf = (p: string) => INSTALL_PHASES.indexOf(p as InstallPhase);

/** Run (or resume) an install from the journal's phase. */
export async function runInstall(o: InstallOptions): Promise<{ kubeconfig: string }> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  let phaseStarted = Date.now();
  const phase = async (p: InstallPhase) => {
    phaseStarted = Date.now();
    await o.journal.enter(p);
    o.out(`phase ${p} (at ${elapsed()})`);
  };
  const done = (p: string) => o.out(`phase ${p} done in ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
  const say = (line: string) => o.out(`  ${line}`);
  let bootstrap: LocalControlPlane | undefined;
  let current: string = o.journal.record.phase;
  try {
    const from = Math.max(0, indexOf(current));
    if (from > 0) o.out(`resuming at phase ${current} (journal ${o.journal.stateDir})`);
    if (from <= indexOf("Bootstrapping")) {
      await phase((current = "Bootstrapping"));
    }
    if (from <= indexOf("StoppingBootstrap")) {
      bootstrap = await ensureLocalBootstrap(o.stateDir, o.machines, say);
      await o.journal.attach(bootstrap.client);
      if (from <= indexOf("Bootstrapping")) done("Bootstrapping");
    }
    let kubeconfig = o.journal.record.kubeconfig ?? "";
    if (from <= indexOf("Provisioning")) {
      await phase((current = "Provisioning"));
      const p = await provision({
        stateDir: o.stateDir,
        cluster: o.cluster,
        namespace: o.namespace,
        spec: o.spec,
        bootstrapKubeconfig: bootstrap!.kubeconfig,
        timeoutSeconds: o.timeoutSeconds,
        log: say,
      });
      kubeconfig = kubeconfigFile(o.stateDir, o.cluster);
      writeFileSync(kubeconfig, p.kubeconfig, { mode: 0o600 });
      await o.journal.update({ kubeconfig });
      say(`machines ${p.machines.ready}/${p.machines.total} running; kubeconfig ${kubeconfig}`);
      done("Provisioning");
    }
    if (from <= indexOf("TargetProviders")) {
      await phase((current = "TargetProviders"));
      await installTargetProviders(kubeconfig, o.machines, say);
      done("TargetProviders");
    }
    if (from <= indexOf("Pivoting")) {
      await phase((current = "Pivoting"));
      const r = await moveCluster(bootstrap!.kubeconfigPath, kubeconfig, o, say);
      say(`pivot ${r.outcome}: ${r.objects} objects in the new cluster`);
      done("Pivoting");
    }
    if (from <= indexOf("StoppingBootstrap")) {
      await phase((current = "StoppingBootstrap"));
      await stopBootstrap(bootstrap, o.journal, o.stateDir);
      bootstrap = undefined;
      forgetProvisioning(o.stateDir);
      say("bootstrap stopped and its data deleted");
      done("StoppingBootstrap");
    }
    await phase((current = "Completed"));
    o.out(`installed ${o.namespace}/${o.cluster} in ${elapsed()}; it manages itself. kubeconfig: ${kubeconfig}`);
    return { kubeconfig };
  } catch (e) {
    await o.journal.update({ lastError: (e as Error)?.message ?? String(e) }).catch(() => undefined);
    throw new InstallFailed(current, e);
  } finally {
    bootstrap?.client.close();
  }
}

/** The Cluster API components into the new cluster; waits until they run and answer. */
export async function installTargetProviders(
  kubeconfig: string,
  machines: MachineProviders,
  say: (line: string) => void,
): Promise<void> {
  const target = KubeClient.fromKubeconfig(kubeconfig);
  try {
    // Ports and certificates already in the target (a resumed run) are kept: re-rendering with
    // new ones would restart the manager for nothing.
    const existing = await target
      .getOrUndefined({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "capi-controller-manager",
        namespace: "capi-system",
      })
      .catch(() => undefined);
    const args = ((existing?.spec as { template?: { spec?: { containers?: { args?: string[] }[] } } } | undefined)
      ?.template?.spec?.containers?.[0]?.args ?? []) as string[];
    const flag = (name: string) =>
      Number(
        args
          .find((a) => a.startsWith(`--${name}=`))
          ?.split(/[=:]/)
          .pop(),
      );
    const [webhook, health, diagnostics] = existing
      ? [flag("webhook-port"), flag("health-addr"), flag("diagnostics-address")]
      : ((await freePorts(3)) as [number, number, number]);
    const secret = await target
      .getOrUndefined({ apiVersion: "v1", kind: "Secret", name: "capi-webhook-service-cert", namespace: "capi-system" })
      .catch(() => undefined);
    // The CA travels in the Secret with the pair (one object: a resume finds all three or none).
    const d = secret?.data as Record<string, string> | undefined;
    const pem = (k: string) => Buffer.from(d![k]!, "base64").toString();
    let ca: string;
    let serving: { cert: string; key: string };
    if (d?.["ca.crt"] && d["tls.crt"] && d["tls.key"]) {
      ca = pem("ca.crt");
      serving = { cert: pem("tls.crt"), key: pem("tls.key") };
    } else {
      const webhookCa = await createCa("lattice-capi-webhook-ca");
      ca = webhookCa.cert;
      serving = await webhookCa.sign({
        commonName: "capi-webhook-service",
        ipAddresses: ["127.0.0.1"],
        dnsNames: ["localhost", "capi-webhook-service.capi-system.svc"],
        usage: "server",
      });
    }
    const r = renderCoreProvider(
      machines,
      { webhook: webhook!, health: health!, diagnostics: diagnostics! },
      { ca, serving },
    );
    await installCrds(target, r.crds);
    say(`${r.crds.length} CRDs established (clusterctl-labelled)`);
    for (const obj of r.objects) await target.apply(obj, { fieldManager: FIELD_MANAGER, force: true });
    const deployments = r.objects.filter((x) => x.kind === "Deployment");
    let last = "";
    const deadline = Date.now() + 180_000;
    for (;;) {
      let ready = 0;
      for (const d of deployments) {
        const live = await target.getOrUndefined({
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: d.metadata.name,
          namespace: d.metadata.namespace!,
        });
        if (((live?.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0) >= 1) ready++;
      }
      const line = `provider Deployments available ${ready}/${deployments.length}`;
      if (line !== last) say((last = line));
      if (ready === deployments.length) break;
      if (Date.now() > deadline) throw new Error(`${line} after 180 s`);
      await sleep(500);
    }
    for (const w of r.webhooks) await target.apply(w, { fieldManager: FIELD_MANAGER, force: true });
    await waitCapiServing(target);
    say("Cluster API answers in the new cluster (dry-run create through its webhooks)");
  } finally {
    target.close();
  }
}

/**
 * `--abort` (before the pivot is fenced): delete the Cluster through CAPI in the bootstrap — the
 * machines go the way a cloud's would — wait until it is gone, then remove the bootstrap.
 */
export async function abortInstall(o: Omit<InstallOptions, "spec">): Promise<void> {
  const started = Date.now();
  const say = (line: string) => o.out(`  ${line}`);
  const j = o.journal.record;
  if (indexOf(j.phase) >= indexOf("Pivoting"))
    throw new Error(
      `the install reached ${j.phase}: the cluster's objects may already be in the new cluster; --abort is only for an install that has not started pivoting (use 'lattice uninstall' instead)`,
    );
  await o.journal.update({ operation: "abort" });
  o.out("phase Aborting (at 0.0 s)");
  const bootstrap = await findLocalBootstrap(o.stateDir);
  if (bootstrap) {
    try {
      const ref = { apiVersion: CORE, kind: "Cluster", name: o.cluster, namespace: o.namespace };
      if (await bootstrap.client.getOrUndefined(ref)) {
        await bootstrap.client.delete(ref, { propagationPolicy: "Foreground" });
        say(`Cluster ${o.namespace}/${o.cluster} deleted through Cluster API; waiting until its machines are gone`);
      }
      const deadline = Date.now() + o.timeoutSeconds * 1000;
      let last = "";
      while (await bootstrap.client.getOrUndefined(ref)) {
        const machines = await bootstrap.client.list(CORE, "Machine", { namespace: o.namespace });
        const line = `machines left ${machines.length}`;
        if (line !== last) say((last = line));
        if (Date.now() > deadline) throw new Error(`the Cluster is still being deleted after ${o.timeoutSeconds} s`);
        await sleep(500);
      }
      // The simulated (or real) infrastructure provider removes its machines when its cluster object goes.
      await waitGone(bootstrap.client, o.namespace, o.timeoutSeconds);
    } finally {
      bootstrap.client.close();
    }
  }
  await removeLocalBootstrap(o.stateDir);
  forgetProvisioning(o.stateDir);
  await o.journal.enter("Aborted");
  o.out(
    `aborted in ${((Date.now() - started) / 1000).toFixed(1)} s: the cluster's machines and the bootstrap are gone`,
  );
}

/** Wait until the infrastructure objects of the namespace are gone (their provider's finalizers ran). */
async function waitGone(c: KubeClient, namespace: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const infra = await c
      .list("infrastructure.cluster.x-k8s.io/v1beta2", "DockerCluster", { namespace })
      .catch(() => [] as unknown[]);
    if (infra.length === 0) return;
    if (Date.now() > deadline) throw new Error(`infrastructure still present after ${timeoutSeconds} s`);
    await sleep(500);
  }
}
