// The Cluster API core manager (sigs.k8s.io/cluster-api/core v1.14.2, built by tools/build) run
// OUT of cluster against a local control plane (the installer's bootstrap, the test bed's), wired
// the way envtest wires webhooks: CRDs with conversion webhooks and the manager's validating/mutating
// webhook configurations all point at https://127.0.0.1:<port> with the control plane's CA bundle,
// and the manager serves them with a certificate that CA signs (PIVOT-AND-INSTALL.md §5.2).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/k8s/object";
import { binary } from "./binaries";
import { installCrds, launchRecorded, tail, type LocalControlPlane } from "./controlplane";
import { loadCrds, moduleDir, CRD_SETS, type CrdSet } from "./crds";
import { freePorts, type Launched, type Launcher } from "./procs";

/** What to install besides the CAPI core CRDs. */
export interface CapiOptions {
  /** CRD sets of providers whose objects the test creates (default: kubeadm + CAPD). */
  providers?: readonly CrdSet[];
  /** Label the CRDs as `clusterctl init` does (a management cluster a pivot moves from or to). */
  clusterctlLabels?: boolean;
  /** Who owns the manager process's life (the installer's durable launcher, the test bed's). */
  launcher: Launcher;
  /** Record the process in the control plane's state.json, so re-adoption restarts it. */
  record?: boolean;
}

/** A running CAPI core manager. */
export interface CapiManager {
  readonly process: Launched;
  readonly webhookPort: number;
  stop(): Promise<void>;
}

const FIELD_MANAGER = "lattice-install";

/** Install the CAPI CRDs (conversion through the manager) and start the manager; ready on return. */
export async function startCapiManager(cp: LocalControlPlane, opts: CapiOptions): Promise<CapiManager> {
  const bin = binary("cluster-api-manager");
  const [webhookPort, healthPort, diagPort] = (await freePorts(3)) as [number, number, number];
  const dir = path.join(cp.dir, "capi");
  const certDir = path.join(dir, "webhook-certs");
  mkdirSync(certDir, { recursive: true });
  const serving = await cp.ca.sign({
    commonName: "capi-webhook",
    ipAddresses: ["127.0.0.1"],
    dnsNames: ["localhost"],
    usage: "server",
  });
  writeFileSync(path.join(certDir, "tls.crt"), serving.cert);
  writeFileSync(path.join(certDir, "tls.key"), serving.key, { mode: 0o600 });
  const caBundle = Buffer.from(cp.ca.cert).toString("base64");
  const url = (p: string) => `https://127.0.0.1:${webhookPort}${p}`;

  // Core CRDs convert between their versions through the manager's /convert; provider CRDs keep
  // strategy None (their managers do not run here; Lattice only writes their storage version).
  const labels = { clusterctlLabels: !!opts.clusterctlLabels };
  const core = loadCrds(["capi-core"], labels).map((crd) => withConversion(crd, url("/convert"), caBundle));
  await installCrds(cp.client, [...core, ...loadCrds(opts.providers ?? ["capi-kubeadm", "capd"], labels)]);

  const rec = {
    name: `${cp.name}/cluster-api-manager`,
    bin,
    args: [
      "--kubeconfig",
      cp.kubeconfigPath,
      "--webhook-cert-dir",
      certDir,
      "--webhook-port",
      String(webhookPort),
      "--health-addr",
      `127.0.0.1:${healthPort}`,
      "--diagnostics-address",
      `127.0.0.1:${diagPort}`,
      "--insecure-diagnostics",
      "--leader-elect=false",
      "--v=2",
    ],
    log: path.join(dir, "manager.log"),
    env: { POD_NAMESPACE: "capi-system" },
  };
  const proc = opts.record
    ? launchRecorded(cp.dir, opts.launcher, rec)
    : opts.launcher(rec.name, rec.bin, rec.args, rec.log, { ...process.env, ...rec.env });

  const webhooks = capiWebhookConfigurations(url, caBundle);
  const stop = async () => {
    for (const w of webhooks)
      await cp.client.delete({ apiVersion: w.apiVersion, kind: w.kind, name: w.metadata.name }).catch(() => undefined);
    await proc.stop();
  };
  try {
    await waitHealthy(proc, healthPort);
    for (const w of webhooks) await cp.client.apply(w, { fieldManager: FIELD_MANAGER });
  } catch (e) {
    await stop();
    throw e;
  }
  return { process: proc, webhookPort, stop };
}

export function withConversion(crd: KubeObject, url: string, caBundle: string): KubeObject {
  const spec = crd.spec as { versions: unknown[] };
  if (spec.versions.length < 2) return crd;
  return {
    ...crd,
    spec: {
      ...spec,
      conversion: {
        strategy: "Webhook",
        webhook: { conversionReviewVersions: ["v1"], clientConfig: { url, caBundle } },
      },
    },
  };
}

/** The manager's webhook configurations, re-pointed from an in-cluster Service to our URL. */
export function capiWebhookConfigurations(url: (p: string) => string, caBundle: string): KubeObject[] {
  const { module, version } = CRD_SETS["capi-core"];
  const file = path.join(moduleDir(module, version), "core/config/webhook/manifests.yaml");
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o)
    .map((o) => ({
      ...o,
      metadata: { name: `capi-core-${o.metadata.name}` },
      webhooks: (o.webhooks as { clientConfig: { service: { path: string } } }[]).map((w) => ({
        ...w,
        clientConfig: { url: url(w.clientConfig.service.path), caBundle },
      })),
    }));
}

async function waitHealthy(proc: Launched, port: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.isRunning()) throw new Error(`cluster-api-manager exited during start-up:\n${tail(proc.log, 30)}`);
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host: "127.0.0.1", port, path: "/readyz", timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`cluster-api-manager not ready after ${timeoutMs} ms:\n${tail(proc.log, 30)}`);
}
