// The target reached over the agent link (design §3.9): nothing ever connects into the child. Each
// port call is one pivot step, an AgentCommand (spec.pivot) that the cell checks against the journal
// it names, sends on the cluster's stream and records the agent's answer of (agent/cell/pivot-wire.ts,
// agent/child/pivot.ts). Copy is one import step per group, owners first; the agent resolves owner
// references by kind and name in the child, so this port needs no target UIDs. Reads (describe,
// inventory) carry identities, UIDs, marks and digests, never contents.
import { randomBytes } from "node:crypto";
import { CAPI, keyOf, type DiscoveryType, type PlanEntry } from "../core/pivot/model";
import type { TargetTypes } from "../core/pivot/target";
import { enqueueCommand, waitForResult } from "../agent/api/commands";
import {
  CONFLICT_PREFIX,
  inventoryKey,
  type DescribeData,
  type InventoryData,
  type PivotCommandSpec,
  type PivotRef,
} from "../agent/api/pivot-wire";
import type { AgentCommandStatus } from "../agent/api/types";
import { isNotFound, type KubeClient } from "../kube/client";
import { CopyConflict, PivotFailed } from "./errors";
import type { CopyBatch, Inventory, StrayCopy, TargetPort, TargetSummary } from "./ports";

/** Run one pivot step on a cluster's agent: the finished command's status (any outcome). */
export interface PivotChannel {
  run(step: PivotCommandSpec): Promise<AgentCommandStatus>;
}

/** The step did not finish (the agent is not connected, or the cell does not run): retried by a later run. */
export class LinkUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkUnavailable";
  }
}

/** PivotChannel over AgentCommand objects in the parent (the parent is the queue). */
export class AgentCommandChannel implements PivotChannel {
  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly cluster: string,
    private readonly opts: { timeoutMs?: number; pollMs?: number } = {},
  ) {}

  async run(step: PivotCommandSpec): Promise<AgentCommandStatus> {
    const name = `${this.cluster}-pivot-${step.op}-${randomBytes(4).toString("hex")}`.slice(0, 253);
    const h = await enqueueCommand(
      this.kube,
      this.cluster,
      { kind: "pivot", step },
      { namespace: this.namespace, name, ttlSecondsAfterFinished: 600 },
    );
    try {
      return await waitForResult(this.kube, h, {
        timeoutMs: this.opts.timeoutMs ?? 60_000,
        pollMs: this.opts.pollMs ?? 100,
      });
    } catch (e) {
      // Not delivered in time: withdraw it (a later run issues its own), so it never runs late.
      await this.kube
        .delete({ apiVersion: "agent.lattice.dev/v1alpha1", kind: "AgentCommand", namespace: h.namespace, name })
        .catch((err: unknown) => (isNotFound(err) ? false : Promise.reject(err)))
        .catch(() => undefined);
      throw new LinkUnavailable((e as Error).message);
    }
  }
}

const isRoot = (e: PlanEntry) => e.group === CAPI.group && (e.kind === "Cluster" || e.kind === "ClusterClass");

/** The child cluster, over its agent link. */
export class LinkTarget implements TargetPort {
  readonly mode = "link" as const;
  private cachedIdentity?: string;

  constructor(
    private readonly channel: PivotChannel,
    /** The ClusterPivot every step names. */
    private readonly journal: string,
  ) {}

  private async step(spec: Omit<PivotCommandSpec, "journal">, what: string): Promise<AgentCommandStatus> {
    const st = await this.channel.run({ journal: this.journal, ...spec });
    if (st.phase === "Succeeded") return st;
    const denied = (st.objects ?? []).filter((o) => o.action === "Denied" || o.action === "Error");
    const conflicts = denied.filter((o) => o.message?.startsWith(CONFLICT_PREFIX));
    if (conflicts.length) throw new CopyConflict(conflicts.map((o) => `${o.kind} ${o.namespace}/${o.name}`));
    const detail = denied
      .slice(0, 5)
      .map((o) => `${o.kind} ${o.name}: ${o.message ?? o.action}`)
      .join("; ");
    throw new PivotFailed(`${what} over the link: ${st.phase}: ${st.message ?? ""}${detail ? ` (${detail})` : ""}`);
  }

  /** A reading step's data; a result without it (dropped by the agent's journal) is asked again once. */
  private async read<T>(spec: Omit<PivotCommandSpec, "journal">, what: string): Promise<T> {
    for (let i = 0; i < 2; i++) {
      const st = await this.step(spec, what);
      if (st.data) return st.data as T;
    }
    throw new PivotFailed(`${what} over the link: the agent's answer carried no data`);
  }

  async identity(): Promise<string> {
    this.cachedIdentity ??= (await this.read<DescribeData>({ op: "describe", crds: [] }, "describe")).identity;
    return this.cachedIdentity;
  }

  async types(types: readonly DiscoveryType[]): Promise<TargetTypes> {
    const crds = types
      .filter((t) => t.group)
      .map((t) => ({ name: `${t.plural}.${t.group}`, groupKind: `${t.group}/${t.kind}` }));
    const d = await this.read<DescribeData>({ op: "describe", crds }, "describe");
    this.cachedIdentity = d.identity;
    return new Map(Object.entries(d.types));
  }

  async inventory(entries: readonly PlanEntry[], pivotId: string): Promise<Inventory> {
    const kinds = new Map<string, { apiVersion: string; kind: string }>();
    for (const e of entries)
      if (e.namespace) kinds.set(`${e.apiVersion}/${e.kind}`, { apiVersion: e.apiVersion, kind: e.kind });
    if (!kinds.size) return { byKey: new Map(), strays: [] };
    const d = await this.read<InventoryData>({ op: "inventory", kinds: [...kinds.values()] }, "inventory");
    const planned = new Set(entries.map((e) => keyOf(e)));
    const byKey = new Map<string, TargetSummary>();
    const strays: StrayCopy[] = [];
    for (const o of d.objects) {
      const key = inventoryKey(o);
      const { apiVersion, kind, name, namespace, ...summary } = o;
      if (planned.has(key)) byKey.set(key, { key, ...summary });
      else if (pivotId && o.pivotId === pivotId) strays.push({ apiVersion, kind, name, namespace, uid: o.uid });
    }
    return { byKey, strays };
  }

  /** The child's Cluster API namespace exists with its agent (its RBAC lives there); nothing to make. */
  async prepare(): Promise<void> {}

  async copy(batch: CopyBatch): Promise<void> {
    const orders = [...new Set(batch.items.map((i) => i.entry.order))].sort((a, b) => a - b);
    for (const order of orders) {
      const objects: PivotRef[] = batch.items
        .filter((i) => i.entry.order === order)
        .map(({ entry }) => ({ apiVersion: entry.apiVersion, kind: entry.kind, name: entry.name }));
      await this.step({ op: "import", objects }, `copying group ${order}`);
      await batch.between?.();
    }
  }

  async activate(entries: readonly PlanEntry[]): Promise<void> {
    const objects = entries
      .filter(isRoot)
      .map((e) => ({ apiVersion: e.apiVersion, kind: e.kind, name: e.name, uid: e.sourceUid }));
    if (objects.length) await this.step({ op: "activate", objects }, "activating");
  }

  async remove(copies: readonly StrayCopy[]): Promise<void> {
    if (!copies.length) return;
    const objects = copies.map((c) => ({ apiVersion: c.apiVersion, kind: c.kind, name: c.name, uid: c.uid }));
    await this.step({ op: "remove", objects }, `removing ${copies.map((c) => `${c.kind} ${c.name}`).join(", ")}`);
  }
}
