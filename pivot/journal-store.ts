// The journal in the source cluster: ClusterPivot objects (agent/deploy/crds), status written with
// the resourceVersion read last (compare-and-swap: a 409 means someone else wrote in between).
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { LINK_API_VERSION } from "../agent/api/types";
import type { PivotSpec, PivotStatus } from "../core/pivot/journal";
import { KubeError, type KubeClient } from "../kube/client";

const KIND = "ClusterPivot";
const CRD_NAME = "clusterpivots.agent.lattice.dev";

/** A journal as read: spec, status (absent before its first status write) and resourceVersion. */
export interface StoredJournal {
  readonly name: string;
  readonly spec: PivotSpec;
  readonly status?: PivotStatus;
  readonly resourceVersion: string;
}

/** The journal changed since it was read (another writer, or a lost lease). */
export class JournalConflict extends Error {
  constructor(name: string) {
    super(`ClusterPivot ${name} changed since it was read`);
    this.name = "JournalConflict";
  }
}

type Raw = { metadata: { name: string; resourceVersion: string }; spec: PivotSpec; status?: PivotStatus };
const toStored = (o: Raw): StoredJournal => ({
  name: o.metadata.name,
  spec: o.spec,
  ...(o.status?.phase ? { status: o.status } : {}),
  resourceVersion: o.metadata.resourceVersion,
});

/** ClusterPivot objects in one namespace of the source. */
export class JournalStore {
  constructor(
    readonly kube: KubeClient,
    readonly namespace: string,
  ) {}

  private ref(name: string) {
    return { apiVersion: LINK_API_VERSION, kind: KIND, namespace: this.namespace, name };
  }

  async get(name: string): Promise<StoredJournal | undefined> {
    const o = await this.kube.getOrUndefined(this.ref(name));
    return o ? toStored(o as unknown as Raw) : undefined;
  }

  /** True when the source serves ClusterPivot (read-only; for dry runs). */
  async hasCrd(): Promise<boolean> {
    return !!(await this.kube.getOrUndefined({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: CRD_NAME,
    }));
  }

  /** Install the ClusterPivot CRD and the namespace if missing (a source the cell never ran in). */
  async ensure(): Promise<void> {
    if (!(await this.hasCrd())) {
      // Loaded only here: the YAML parser is not needed by a source that has the CRD (start-up time).
      const { linkCrds } = await import("../agent/deploy/crds");
      const crd = linkCrds().find((c) => c.metadata.name === CRD_NAME)!;
      await this.kube.create(crd).catch((e: unknown) => {
        if (!(e instanceof KubeError && e.status === 409)) throw e;
      });
      for (let i = 0; i < 200; i++) {
        const live = await this.kube.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: CRD_NAME });
        const conds = (live.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
        if (conds?.some((c) => c.type === "Established" && c.status === "True")) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!(await this.kube.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name: this.namespace })))
      await this.kube
        .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: this.namespace } })
        .catch((e: unknown) => {
          if (!(e instanceof KubeError && e.status === 409)) throw e;
        });
  }

  /** Create the journal; undefined when one of that name appeared meanwhile (another mover). */
  async create(name: string, spec: PivotSpec): Promise<StoredJournal | undefined> {
    try {
      const o = await this.kube.create({
        apiVersion: LINK_API_VERSION,
        kind: KIND,
        metadata: { name, namespace: this.namespace, labels: { "app.kubernetes.io/managed-by": "lattice" } },
        spec,
      });
      return toStored(o as unknown as Raw);
    } catch (e) {
      if (e instanceof KubeError && e.status === 409) return undefined;
      throw e;
    }
  }

  /** Start a new pivot in a finished journal (new spec; status is rewritten next). */
  async restart(j: StoredJournal, spec: PivotSpec): Promise<StoredJournal> {
    const o = await this.cas(
      () =>
        this.kube.replace({
          apiVersion: LINK_API_VERSION,
          kind: KIND,
          metadata: { name: j.name, namespace: this.namespace, resourceVersion: j.resourceVersion } as never,
          spec,
        }),
      j.name,
    );
    return toStored(o as unknown as Raw);
  }

  /** Write status if the journal is still at `j.resourceVersion`; JournalConflict otherwise. */
  async writeStatus(j: StoredJournal, status: PivotStatus): Promise<StoredJournal> {
    const path = (await this.kube.pathOf(LINK_API_VERSION, KIND, this.namespace, j.name)) + "/status";
    const o = await this.cas(
      () =>
        this.kube.request<Raw>("PUT", path, {
          apiVersion: LINK_API_VERSION,
          kind: KIND,
          metadata: { name: j.name, namespace: this.namespace, resourceVersion: j.resourceVersion },
          spec: j.spec,
          status,
        }),
      j.name,
    );
    return toStored(o as unknown as Raw);
  }

  private async cas<T>(write: () => Promise<T>, name: string): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (e instanceof KubeError && e.status === 409) throw new JournalConflict(name);
      throw e;
    }
  }
}

/** Runs of this process that are still going (a holder of this process not listed here is dead). */
const liveRuns = new Set<string>();

/** A mover's identity in the lease: "host:pid:run". */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Mark a run of this process live (true) or ended (false). */
export function setRunLive(holder: string, live: boolean): void {
  if (live) liveRuns.add(holder);
  else liveRuns.delete(holder);
}

/**
 * True when the holder cannot be running: a run of this process that ended, or a process of this
 * host that no longer exists. A holder on another host is alive until its lease expires.
 */
export function holderIsDead(holder: string): boolean {
  const parts = holder.split(":");
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(":");
  if (host !== hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return !liveRuns.has(holder);
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A new random pivot id (the label value on copies). */
export const newPivotId = (): string => randomBytes(8).toString("hex");
