// The pivot's journal: a ClusterPivot object in the SOURCE cluster (agent.lattice.dev/v1alpha1,
// namespace of the link, lattice-system by default). spec says what to move and where; status is the
// mover's write-ahead record, written with resourceVersion preconditions (compare-and-swap) by the
// holder of its lease. It holds identities, UIDs and digests only: never object contents, so never
// Secret data. See docs/decisions/pivot-journal.md.
//
// Phases, in order (each is written when entered; the work of a phase happens while in it):
//   Planned        the journal exists; preflight not recorded
//   Preflighted    checks passed; next: pause the source
//   Paused         source Clusters/ClusterClasses paused by this pivot (marked with its id)
//   Quiesced       nothing blocks the move and controllers saw the pause
//   Frozen         the plan (identities, source UIDs, digests, order) is fixed
//   Copying        copies may exist in the target (all paused)
//   Verified       the target holds exactly the plan, digest for digest; owners resolve
//   Fenced         the source Cluster carries lattice.dev/pivoted-to: it is never unpaused again
//   Activated      written BEFORE the target is unpaused (so "before Activated" ⇒ target paused)
//   SourceDeleting the target is active; the source is being deleted (reverse order, UID preconditions)
//   Tidy           the source is gone; a last read-only check of both sides
//   Completed      done
//   RollingBack → Aborted   only from a phase before Fenced: copies removed, source unpaused if ours
import type { PlanEntry } from "./model";

export const PHASES = [
  "Planned",
  "Preflighted",
  "Paused",
  "Quiesced",
  "Frozen",
  "Copying",
  "Verified",
  "Fenced",
  "Activated",
  "SourceDeleting",
  "Tidy",
  "Completed",
] as const;
export type ForwardPhase = (typeof PHASES)[number];
export type Phase = ForwardPhase | "RollingBack" | "Aborted";

/** Position of a forward phase (RollingBack/Aborted: -1). */
export const phaseIndex = (p: Phase): number => (PHASES as readonly string[]).indexOf(p);

/** True when a rollback is still allowed (nothing has been fenced). */
export const canRollBack = (p: Phase): boolean =>
  p === "RollingBack" || (phaseIndex(p) >= 0 && phaseIndex(p) < phaseIndex("Fenced"));

/** spec of a ClusterPivot. */
export interface PivotSpec {
  /** The namespace whose Cluster API objects move (the same namespace in the target). */
  namespace: string;
  /** Only this Cluster and what belongs to it. */
  cluster?: string;
  /** Random id of this pivot: the label on its copies and the mark on what it paused. */
  pivotId: string;
  source: { apiIdentity: string };
  target: { mode: "direct" | "link"; apiIdentity: string; link?: string };
}

/** One row of the frozen plan (as stored; see PlanEntry). */
export interface JournalEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  digest: string;
  order: number;
  /** Deleted from the source after activation. */
  delete: boolean;
  /** Copied only if absent (cluster-scoped, or owned by such an object). */
  global?: boolean;
}

/** status of a ClusterPivot: the journal proper. */
export interface PivotStatus {
  phase: Phase;
  /** "host:pid:run" of the mover holding the lease ("" when released). */
  holder: string;
  renewTime: string;
  leaseSeconds: number;
  /** Runs that took the lease (a resumed pivot has attempts ≥ 2). */
  attempts: number;
  /**
   * Keys of the Clusters and ClusterClasses this pivot pauses, written before it pauses them (they
   * were all unpaused at preflight): what a rollback may unpause, and what is not "paused by
   * someone else" on resume.
   */
  pause?: string[];
  plan?: JournalEntry[];
  setDigest?: string;
  /** How often the plan was re-frozen because the source changed before the fence. */
  refreezes?: number;
  fencedAt?: string;
  activatedAt?: string;
  completedAt?: string;
  lastError?: string;
  /** Phase changes, newest last (at most HISTORY_LIMIT). */
  history?: { phase: Phase; time: string; holder: string }[];
}

export const HISTORY_LIMIT = 40;

/** A journal entry from a plan entry. */
export function toJournalEntry(e: PlanEntry): JournalEntry {
  const j: JournalEntry = {
    apiVersion: e.apiVersion,
    kind: e.kind,
    name: e.name,
    uid: e.sourceUid,
    digest: e.digest,
    order: e.order,
    delete: e.deleteFromSource,
  };
  if (e.namespace) j.namespace = e.namespace;
  if (e.global) j.global = true;
  return j;
}

/** A plan entry from a journal entry. */
export function fromJournalEntry(j: JournalEntry): PlanEntry {
  const group = j.apiVersion.includes("/") ? j.apiVersion.split("/")[0]! : "";
  return {
    group,
    kind: j.kind,
    ...(j.namespace ? { namespace: j.namespace } : {}),
    name: j.name,
    apiVersion: j.apiVersion,
    sourceUid: j.uid,
    digest: j.digest,
    order: j.order,
    deleteFromSource: j.delete,
    global: !!j.global,
  };
}

/** The journal's name: the namespace, or "<namespace>.<cluster>" (a dot never occurs in either). */
export function journalName(namespace: string, cluster?: string): string {
  return cluster ? `${namespace}.${cluster}` : namespace;
}

/** The next status after entering `phase`: history appended, lease renewed by `holder`. */
export function enter(status: PivotStatus, phase: Phase, holder: string, now: Date): PivotStatus {
  const time = now.toISOString();
  const history = [...(status.history ?? []), { phase, time, holder }].slice(-HISTORY_LIMIT);
  return { ...status, phase, holder, renewTime: time, history };
}

/** What a mover may do about a lease it does not hold. */
export type LeaseVerdict = "free" | "expired" | "holder-dead" | "held";

/**
 * Decide about a lease: free (no holder, or ours), expired (renewTime + leaseSeconds passed), holder
 * dead (`isDead` says so: same host and its process is gone, or a run of this process that ended),
 * or held.
 */
export function leaseVerdict(
  status: Pick<PivotStatus, "holder" | "renewTime" | "leaseSeconds"> | undefined,
  me: string,
  now: Date,
  isDead: (holder: string) => boolean,
): LeaseVerdict {
  if (!status?.holder || status.holder === me) return "free";
  const renewed = Date.parse(status.renewTime);
  if (!Number.isFinite(renewed) || renewed + status.leaseSeconds * 1000 < now.getTime()) return "expired";
  return isDead(status.holder) ? "holder-dead" : "held";
}
