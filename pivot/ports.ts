// The two sides of a pivot as the mover sees them. The mover (./mover.ts) decides; the ports only
// read and write, each call idempotent by identity so a resumed run can repeat it.
//
// SourcePort: the cluster the objects leave (the parent, or a local bootstrap), always reached with
// its own client (./source.ts: KubeSource). It also holds the journal.
// TargetPort: the cluster they go to. ./direct.ts reaches it with a kubeconfig (DirectTarget: the
// CLI, install/uninstall). A link-mode target (the cell, over the agent link, so nothing ever
// connects into a child) implements the same interface with AgentCommands: copy is one import
// command per group, inventory a read-only inventory command, activate/remove narrow commands
// the agent's policy admits for objects carrying the pivot's id.
import type { KubeObject } from "../core/k8s/object";
import type { ClusterRecord } from "../core/pivot/copy";
import type { DiscoveryType, PlanEntry } from "../core/pivot/model";
import type { TargetTypes } from "../core/pivot/target";
import type { VerifiableSummary } from "../core/pivot/verify";

/** What discovery found in the source. */
export interface Discovered {
  readonly types: readonly DiscoveryType[];
  /** Objects of every discovery type in the namespace (cluster-scoped types: all), at storage versions. */
  readonly objects: readonly KubeObject[];
  /** Clusters of every namespace. */
  readonly allClusters: readonly KubeObject[];
}

/** Outcome of deleting one source object. */
export type DeleteOutcome = "deleted" | "gone" | "recreated";

export interface SourcePort {
  /** The API identity: UID of the kube-system Namespace. */
  identity(): Promise<string>;
  discover(namespace: string): Promise<Discovered>;
  /** The planned objects as they are now, by plan key (absent: gone). */
  read(entries: readonly PlanEntry[]): Promise<Map<string, KubeObject>>;
  /**
   * Pause Clusters (spec.paused) and ClusterClasses (annotation), as clusterctl does. `ours` are the
   * keys the journal says this pivot pauses: one of them already paused is this pivot's own doing;
   * any other paused root is someone else's (PausedBySomeoneElse).
   */
  pause(entries: readonly PlanEntry[], ours: ReadonlySet<string>): Promise<void>;
  /** Unpause the roots in `ours` (never a fenced Cluster: FencedError). */
  unpause(entries: readonly PlanEntry[], ours: ReadonlySet<string>): Promise<void>;
  /** Mark source Clusters as pivoted to the target identity (never unpaused again). */
  fence(entries: readonly PlanEntry[], targetIdentity: string): Promise<void>;
  /**
   * Delete the planned objects: annotate them all delete-for-move, then group by group in reverse
   * order, delete with a UID precondition, then strip finalizers. An object of the same name with
   * another UID is "recreated" (never touched).
   */
  deleteForMove(entries: readonly PlanEntry[]): Promise<Map<string, DeleteOutcome>>;
}

/** One object to copy: its plan entry and the source object as read now. */
export interface CopyItem {
  readonly entry: PlanEntry;
  readonly object: KubeObject;
  /** create; update (namespaced copies of this pivot only); or restore only the managedFields. */
  readonly action: "create" | "update" | "restore-fields";
}

/** What every copy of a pivot shares. */
export interface CopyBatch {
  readonly pivotId: string;
  readonly record: ClusterRecord;
  /** Every plan entry by source UID (owner references are resolved through it). */
  readonly bySourceUid: ReadonlyMap<string, PlanEntry>;
  /** Every object to copy, of any group (the port keeps owners before dependents). */
  readonly items: readonly CopyItem[];
  /** Called between groups (the mover renews its lease there when a copy runs long). */
  readonly between?: () => Promise<unknown>;
}

/** A target object carrying the pivot's id that the plan does not name (left by an earlier freeze). */
export interface StrayCopy {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid: string;
}

/** What the target holds under the plan's identities, and what it holds with the pivot's id beyond them. */
export interface Inventory {
  /** By plan key. */
  readonly byKey: ReadonlyMap<string, TargetSummary>;
  /** Objects carrying the pivot's id whose identity the plan does not name (left by an earlier freeze). */
  readonly strays: readonly StrayCopy[];
}

/**
 * One target object as verification sees it (core/pivot/verify.ts): marks, digest, UID, how many of
 * its owner UIDs do not exist there, its finalizers, whether a Cluster/ClusterClass is paused, and
 * its lattice-pivot managedFields entries. Never its contents: a link-mode agent can report this.
 */
export type TargetSummary = VerifiableSummary;

export interface TargetPort {
  readonly mode: "direct" | "link";
  identity(): Promise<string>;
  /** Storage versions the target has for the discovery types' CRDs, by "group/Kind". */
  types(types: readonly DiscoveryType[]): Promise<TargetTypes>;
  /** What the target holds for the plan (pivotId: whose strays to report; "" for none). */
  inventory(entries: readonly PlanEntry[], pivotId: string): Promise<Inventory>;
  /** Make the namespace exist. */
  prepare(namespace: string): Promise<void>;
  /**
   * Create or update the copies, owners first (group by group), and restore each copy's managedFields
   * to the source's right after it is written. A link-mode port sends one import command per group.
   */
  copy(batch: CopyBatch): Promise<void>;
  /** Unpause the copies of planned ClusterClasses, then Clusters ({"spec":{"paused":null}}: no field owner kept). */
  activate(entries: readonly PlanEntry[]): Promise<void>;
  /** Delete copies (rollback, strays) by identity and UID, in the given order. */
  remove(copies: readonly StrayCopy[]): Promise<void>;
}
