// The install (and uninstall) journal: which phase a run reached, written ahead of each phase's
// work, so `--resume` goes on from there. The authoritative copy is a file in the state dir
// (written durably: temp file, fsync, rename), because the bootstrap may be down when a resume
// starts; it is mirrored into the bootstrap as a ConfigMap (lattice-system/lattice-install-<name>)
// so whoever looks at the bootstrap sees what it is for. No secrets: phases, times, paths.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { KubeClient } from "../kube/client";
import { writeDurable } from "./bootstrap/controlplane";

/** The phases of an install, in order. */
export const INSTALL_PHASES = [
  "Bootstrapping", // the bootstrap control plane, its CAPI manager and infrastructure provider
  "Provisioning", // the LatticeCluster (root mode) through the engine, until the cluster runs
  "TargetProviders", // CAPI providers (clusterctl-labelled, with inventory) running in the new cluster
  "Pivoting", // the pivot mover, direct mode, bootstrap → new cluster
  "StoppingBootstrap", // only once the pivot completed and the bootstrap holds no Cluster
  "Completed",
] as const;
export type InstallPhase = (typeof INSTALL_PHASES)[number];

/** The phases of an uninstall, in order. */
export const UNINSTALL_PHASES = [
  "Bootstrapping",
  "ReversePivoting", // the cluster's CAPI objects back into the bootstrap
  "StoppingLattice", // the providers in the cluster stop (its Deployments deleted)
  "Deleting", // the Cluster deleted through CAPI, until its machines are gone
  "StoppingBootstrap",
  "Completed",
] as const;
export type UninstallPhase = (typeof UNINSTALL_PHASES)[number];

export interface JournalRecord {
  /** "install" or "uninstall". */
  operation: "install" | "uninstall" | "abort";
  cluster: string;
  namespace: string;
  /** The cluster file the run was started with (absolute). */
  file: string;
  bootstrap: string;
  simulateMachines: boolean;
  phase: string;
  startedAt: string;
  /** Each phase entered, with when (a resume appends). */
  history: { phase: string; at: string }[];
  /** Set by a failure (cleared when a phase is entered again). */
  lastError?: string;
  /** Where the new cluster's kubeconfig was written. */
  kubeconfig?: string;
}

export const JOURNAL_FILE = "journal.json";

export function readJournal(stateDir: string): JournalRecord | undefined {
  const f = path.join(stateDir, JOURNAL_FILE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as JournalRecord) : undefined;
}

export class Journal {
  private mirror?: KubeClient;

  constructor(
    readonly stateDir: string,
    public record: JournalRecord,
  ) {}

  /** Mirror every write into this bootstrap (from now on, until detach()). */
  attach(bootstrap: KubeClient): Promise<void> {
    this.mirror = bootstrap;
    return this.writeMirror();
  }

  detach(): void {
    this.mirror = undefined;
  }

  /** Enter a phase (written ahead of its work). */
  async enter(phase: string): Promise<void> {
    this.record = {
      ...this.record,
      phase,
      history: [...this.record.history, { phase, at: new Date().toISOString() }],
    };
    delete this.record.lastError;
    await this.save();
  }

  async update(patch: Partial<JournalRecord>): Promise<void> {
    this.record = { ...this.record, ...patch };
    await this.save();
  }

  private async save(): Promise<void> {
    writeDurable(path.join(this.stateDir, JOURNAL_FILE), JSON.stringify(this.record, null, 2) + "\n");
    await this.writeMirror().catch(() => undefined); // the file is authoritative
  }

  private async writeMirror(): Promise<void> {
    if (!this.mirror) return;
    await this.mirror.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: `lattice-${this.record.operation}-${this.record.cluster}`,
          namespace: "lattice-system",
          labels: { "app.kubernetes.io/managed-by": "lattice" },
        },
        data: { journal: JSON.stringify(this.record, null, 2) },
      },
      { fieldManager: "lattice-install" },
    );
  }
}
