// The pivot test bed: a source and a target API server with the Cluster API CRDs labelled as
// `clusterctl init` labels them, the link CRDs (ClusterPivot) in the source, and helpers to load the
// fixture into a fresh namespace, run the mover in-process (with a fault) or as `bin/lattice pivot`,
// run the real clusterctl v1.14.2, and read both sides for the invariants and the comparisons.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installLinkCrds } from "../../../../agent/deploy/crds";
import { discoveryTypes } from "../../../../core/pivot/discovery";
import { apiVersionOfType, type DiscoveryType } from "../../../../core/pivot/model";
import type { KubeObject } from "../../../../core/k8s/object";
import { PivotKube } from "../../../../pivot/client";
import { DirectTarget } from "../../../../pivot/direct";
import { MutationCounter, type Fault } from "../../../../pivot/fault";
import { JournalStore, type StoredJournal } from "../../../../pivot/journal-store";
import { Mover } from "../../../../pivot/mover";
import { KubeSource } from "../../../../pivot/source";
import { readKinds } from "../../../../pivot/read";
import { installCrds, startControlPlanes, type ControlPlane } from "../../../harness/controlplane";
import { loadCrds, type CrdSet } from "../../../harness/crds";
import { loadFixture, provisionedCluster, type Fixture, type FixtureOptions } from "../../../harness/pivot-fixture";
import { ROOT, toolPath } from "../../../harness/tools";

export const LATTICE = path.join(ROOT, "bin", "lattice");
export const JOURNAL_NS = "lattice-system";
export const CRD_SETS: readonly CrdSet[] = ["capi-core", "capi-kubeadm", "capd", "clusterctl"];
/**
 * The cluster at its smallest: 1 control-plane and 2 worker Machines, still every kind,
 * soft-owned Secrets and /move objects (27 objects move). Tests whose point is not the size use it.
 */
export const SMALL = { controlPlanes: 1, workers: 2 } as const;

/** Source and target, ready for pivots. */
export interface Bed {
  readonly source: ControlPlane;
  readonly target: ControlPlane;
  /** The discovery types of the labelled CRDs (for snapshots). */
  readonly types: readonly DiscoveryType[];
  stop(): Promise<void>;
}

/** Install labelled CRDs (and, on a source, the link CRDs and the journal namespace) into a control plane. */
export async function prepare(cp: ControlPlane, role: "source" | "target"): Promise<void> {
  await installCrds(cp.client, loadCrds(CRD_SETS, { clusterctlLabels: true }));
  if (role === "source") {
    await installLinkCrds(cp.client);
    await cp.client
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: JOURNAL_NS } })
      .catch(() => undefined);
  }
}

/** Start a source and a target (about 15 s with the CRDs). */
export async function startBed(name = "pivot"): Promise<Bed> {
  const [source, target] = await startControlPlanes(2, { name });
  await Promise.all([prepare(source!, "source"), prepare(target!, "target")]);
  const types = discoveryTypes(loadCrds(CRD_SETS, { clusterctlLabels: true }));
  return {
    source: source!,
    target: target!,
    types,
    async stop() {
      await Promise.all([source!.stop(), target!.stop()]);
    },
  };
}

/** Load the fixture into a fresh namespace of the source. */
export async function loadInto(cp: ControlPlane, opts: FixtureOptions): Promise<Fixture> {
  const fixture = provisionedCluster(opts);
  await loadFixture(cp.client, fixture);
  return fixture;
}

/** An in-process mover over new clients (their requests counted, the fault injected). */
export function mover(
  bed: Pick<Bed, "source" | "target">,
  namespace: string,
  opts: { fault?: Fault; cluster?: string; lines?: string[]; leaseSeconds?: number; quiesceTimeoutMs?: number } = {},
): { mover: Mover; counter: MutationCounter; close(): void } {
  const counter = new MutationCounter(opts.fault);
  const s = new PivotKube(bed.source.client.access, counter, "source");
  const t = new PivotKube(bed.target.client.access, counter, "target");
  const m = new Mover({
    source: new KubeSource(s),
    target: new DirectTarget(t),
    journal: new JournalStore(s, JOURNAL_NS),
    namespace,
    ...(opts.cluster ? { cluster: opts.cluster } : {}),
    leaseSeconds: opts.leaseSeconds ?? 120,
    pollMs: 100,
    ...(opts.quiesceTimeoutMs ? { quiesceTimeoutMs: opts.quiesceTimeoutMs } : {}),
    log: (l) => opts.lines?.push(l),
  });
  return {
    mover: m,
    counter,
    close() {
      s.close();
      t.close();
    },
  };
}

/** Every object of the discovery types in a namespace. */
export function snapshot(cp: ControlPlane, types: readonly DiscoveryType[], namespace: string): Promise<KubeObject[]> {
  return readKinds(
    cp.client,
    types.filter((t) => t.namespaced).map((t) => ({ apiVersion: apiVersionOfType(t), kind: t.kind, namespaced: true })),
    namespace,
  );
}

/** The journal of a namespace's pivot. */
export async function journal(cp: ControlPlane, namespace: string): Promise<StoredJournal | undefined> {
  return new JournalStore(cp.client, JOURNAL_NS).get(namespace);
}

/** "Kind/name" of an object (namespace left out: two namespaces hold the same fixture). */
export const kindName = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`;

/** Result of a process run. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command to completion (no shell), with extra environment. */
export function runProcess(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 240_000,
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** `bin/lattice pivot` from the bed's source to its target. */
export function latticePivot(
  bed: Pick<Bed, "source" | "target">,
  namespace: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return runProcess(
    LATTICE,
    [
      "pivot",
      "--from-kubeconfig",
      bed.source.kubeconfigPath,
      "--to-kubeconfig",
      bed.target.kubeconfigPath,
      "-n",
      namespace,
      ...extra,
    ],
    env,
  );
}

/** The real clusterctl v1.14.2, offline: version check off, an empty configuration home. */
export function clusterctl(args: string[]): Promise<Run> {
  const home = mkdtempSync(path.join(os.tmpdir(), "lattice-clusterctl-"));
  return runProcess(toolPath("clusterctl"), args, {
    CLUSTERCTL_DISABLE_VERSIONCHECK: "true",
    HOME: home,
    XDG_CONFIG_HOME: home,
  });
}

/** `clusterctl move` from the bed's source to its target. */
export function clusterctlMove(
  bed: Pick<Bed, "source" | "target">,
  namespace: string,
  extra: string[] = [],
): Promise<Run> {
  return clusterctl([
    "move",
    "--kubeconfig",
    bed.source.kubeconfigPath,
    "--to-kubeconfig",
    bed.target.kubeconfigPath,
    "-n",
    namespace,
    ...extra,
  ]);
}

/** kill -0: is the process alive. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
