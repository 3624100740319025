// The run loop. Mover.run() resumes a pivot from its journal's phase (or starts one after a
// read-only preflight, so a refusal writes nothing), takes the journal's lease, and then each step
// re-reads the world, acts idempotently, and records the next phase with a compare-and-swap write.
// A crash anywhere leaves a journal another run resumes; see core/pivot/journal.ts for the phases
// and core/pivot/invariants.ts for what holds at every point.
import type { PlanEntry, Refusal } from "../core/pivot/model";
import { CAPI, describe, keyOf } from "../core/pivot/model";
import { canRollBack, fromJournalEntry, journalName, toJournalEntry } from "../core/pivot/journal";
import type { Phase, PivotSpec } from "../core/pivot/journal";
import { planPivot, type PlanResult } from "../core/pivot/plan";
import { targetRefusals } from "../core/pivot/target";
import type { SourcePort, TargetPort } from "./ports";
import { newPivotId, setRunLive, type JournalStore, type StoredJournal } from "./journal-store";
import { JournalLease } from "./lease";
import { copyAndVerify, quiesce } from "./steps";
import {
  CopyConflict,
  PausedBySomeoneElse,
  PivotFailed,
  PivotRefused,
  SourceChanged,
  VerificationFailed,
} from "./errors";

export { PivotFailed, PivotRefused } from "./errors";

export interface MoverOptions {
  readonly source: SourcePort;
  readonly target: TargetPort;
  readonly journal: JournalStore;
  readonly namespace: string;
  readonly cluster?: string;
  /** One line per phase (and waits). */
  readonly log?: (line: string) => void;
  /** Lease length (default 30 s). */
  readonly leaseSeconds?: number;
  /** How long to wait for block-move and the controllers' Paused condition (default 2 min). */
  readonly quiesceTimeoutMs?: number;
  /** How long to wait for a lease another live mover holds (default 10 min). */
  readonly leaseWaitMs?: number;
  readonly pollMs?: number;
}

export interface PivotResult {
  readonly outcome: "completed" | "already-completed" | "aborted";
  readonly name: string;
  readonly pivotId: string;
  readonly objects: number;
  readonly attempts: number;
}

/** What a dry run shows. */
export interface DryRun {
  readonly result: PlanResult;
  readonly targetRefusals: readonly Refusal[];
  readonly journal?: { phase: Phase | "Planned"; pivotId: string };
}

const TERMINAL: readonly Phase[] = ["Completed", "Aborted"];

export class Mover {
  private readonly log: (line: string) => void;
  private readonly lease: JournalLease;
  /** The plan of this run's preflight, reused by the pause step of the same run. */
  private preflightPlan?: readonly PlanEntry[];

  constructor(private readonly o: MoverOptions) {
    this.log = o.log ?? (() => undefined);
    this.lease = new JournalLease(o.journal, {
      leaseSeconds: o.leaseSeconds ?? 30,
      leaseWaitMs: o.leaseWaitMs ?? 600_000,
      pollMs: o.pollMs ?? 500,
      log: this.log,
    });
  }

  get name(): string {
    return journalName(this.o.namespace, this.o.cluster);
  }

  /** Read-only: the plan, the refusals, and the journal if a pivot is under way. */
  async dryRun(): Promise<DryRun> {
    const j = (await this.o.journal.hasCrd()) ? await this.o.journal.get(this.name) : undefined;
    const live = j && !TERMINAL.includes(j.status?.phase ?? "Planned");
    const { result, target } = await this.preflight(live ? j : undefined);
    return {
      result,
      targetRefusals: target,
      ...(live ? { journal: { phase: j.status?.phase ?? "Planned", pivotId: j.spec.pivotId } } : {}),
    };
  }

  /** Run the pivot to Completed (or resume it); rejects with PivotRefused/PivotFailed/PivotCrash. */
  async run(): Promise<PivotResult> {
    setRunLive(this.lease.holder, true);
    try {
      let j = await this.o.journal.get(this.name);
      if (!j || TERMINAL.includes(j.status?.phase ?? "Planned")) {
        const started = await this.start(j);
        if ("result" in started) return started.result;
        j = started.journal;
      }
      j = await this.lease.acquire(j, () => this.o.target.identity());
      // Waited for another mover that finished meanwhile: its result is ours.
      if (j.status?.phase === "Completed" && j.status.holder !== this.lease.holder)
        return this.result(j, "already-completed");
      if (j.status?.phase === "Aborted" && j.status.holder !== this.lease.holder) return this.result(j, "aborted");
      return await this.loop(j);
    } finally {
      setRunLive(this.lease.holder, false);
    }
  }

  /** Roll back a pivot that has not been fenced: remove its copies, unpause what it paused. */
  async abort(): Promise<PivotResult> {
    setRunLive(this.lease.holder, true);
    try {
      let j = await this.o.journal.get(this.name);
      if (!j) throw new PivotFailed(`no pivot of ${this.name} to abort`);
      const phase = j.status?.phase ?? "Planned";
      if (phase === "Aborted") return this.result(j, "aborted");
      if (!canRollBack(phase))
        throw new PivotFailed(
          `pivot ${this.name} is ${phase}: past the fence only forward; run pivot again to finish it`,
        );
      j = await this.lease.acquire(j, () => this.o.target.identity());
      if (j.status!.phase !== "RollingBack") j = await this.lease.advance(j, "RollingBack");
      return await this.loop(j);
    } finally {
      setRunLive(this.lease.holder, false);
    }
  }

  // ---- start, lease, loop ----------------------------------------------------------------------

  /** Discover and plan (read-only); `j` is the pivot resuming, whose pauses and copies are its own. */
  private async preflight(j: StoredJournal | undefined) {
    const pivotId = j?.spec.pivotId;
    const discovered = await this.o.source.discover(this.o.namespace);
    const result = planPivot({
      namespace: this.o.namespace,
      ...(this.o.cluster !== undefined ? { cluster: this.o.cluster } : {}),
      ...discovered,
      pausedByUs: new Set(j?.status?.pause ?? []),
    });
    if (!result.ok) return { result, target: [] as Refusal[] };
    const [types, inv] = await Promise.all([
      this.o.target.types(
        discovered.types.filter((t) => result.plan.entries.some((e) => e.group === t.group && e.kind === t.kind)),
      ),
      this.o.target.inventory(result.plan.entries, ""),
    ]);
    return { result, target: targetRefusals(result.plan, types, inv.byKey, pivotId) };
  }

  /** A new pivot: read-only preflight, then the journal (Preflighted). */
  private async start(prev: StoredJournal | undefined): Promise<{ result: PivotResult } | { journal: StoredJournal }> {
    const { result, target } = await this.preflight(undefined);
    if (!result.ok || target.length) {
      // Another mover may have started this pivot since we looked (its pause and copies are then
      // not "someone else's"): join it instead of refusing.
      const now = await this.o.journal.get(this.name);
      if (now && now.resourceVersion !== prev?.resourceVersion && !TERMINAL.includes(now.status?.phase ?? "Planned"))
        return { journal: now };
    }
    if (!result.ok) {
      const gone = result.refusals.every((r) => r.reason === "nothing-to-move" || r.reason === "cluster-not-found");
      if (prev?.status?.phase === "Completed" && gone) {
        this.log(`pivot ${this.name}: already completed at ${prev.status.completedAt ?? "?"}`);
        return { result: this.result(prev, "already-completed") };
      }
      throw new PivotRefused(result.refusals);
    }
    if (target.length) throw new PivotRefused(target);
    const [sourceId, targetId] = await Promise.all([this.o.source.identity(), this.o.target.identity()]);
    const spec: PivotSpec = {
      namespace: this.o.namespace,
      ...(this.o.cluster !== undefined ? { cluster: this.o.cluster } : {}),
      pivotId: newPivotId(),
      source: { apiIdentity: sourceId },
      target: { mode: this.o.target.mode, apiIdentity: targetId },
    };
    await this.o.journal.ensure();
    const created = prev ? await this.o.journal.restart(prev, spec) : await this.o.journal.create(this.name, spec);
    if (!created) {
      const other = await this.o.journal.get(this.name);
      if (!other) throw new PivotFailed(`ClusterPivot ${this.name} appeared and vanished; run again`);
      return { journal: other };
    }
    this.preflightPlan = result.plan.entries;
    this.log(
      `pivot ${this.name}: ${result.plan.entries.length} objects in ${result.plan.groups} groups (id ${spec.pivotId})`,
    );
    const first = { ...this.lease.initial(), pause: rootKeys(result.plan.entries) };
    return { journal: await this.lease.advance({ ...created, status: first }, "Preflighted") };
  }

  private async loop(j: StoredJournal): Promise<PivotResult> {
    try {
      for (;;) {
        const phase = j.status!.phase;
        if (phase === "Completed") return this.result(j, "completed");
        if (phase === "Aborted") return this.result(j, "aborted");
        j = await this.step(j, phase);
      }
    } catch (e) {
      if (e instanceof PivotRefused || e instanceof PivotFailed) await this.lease.release(j, e.message);
      throw e;
    }
  }

  /** Do one phase's work and record the next phase. */
  private async step(j: StoredJournal, phase: Phase): Promise<StoredJournal> {
    const { source, target } = this.o;
    const id = j.spec.pivotId;
    const plan = () => (j.status!.plan ?? []).map(fromJournalEntry);
    switch (phase) {
      case "Planned": {
        const { result, target: t } = await this.preflight(j);
        if (!result.ok) throw new PivotRefused(result.refusals);
        if (t.length) throw new PivotRefused(t);
        this.preflightPlan = result.plan.entries;
        return this.lease.advance(j, "Preflighted", { pause: rootKeys(result.plan.entries) });
      }
      case "Preflighted": {
        const entries = this.preflightPlan ?? (await this.planOrRefuse(j)).entries;
        try {
          await source.pause(entries, new Set(j.status!.pause ?? []));
        } catch (e) {
          if (e instanceof PausedBySomeoneElse)
            throw new PivotRefused([{ reason: "paused-by-someone-else", message: e.message, objects: e.objects }]);
          throw e;
        }
        return this.lease.advance(j, "Paused");
      }
      case "Paused": {
        const entries = this.preflightPlan ?? (await this.planOrRefuse(j, true)).entries;
        const blocked = await quiesce(
          source,
          entries,
          this.o.quiesceTimeoutMs ?? 120_000,
          this.o.pollMs ?? 500,
          (l) => this.log(l),
          () => this.lease.renew(j).then((x) => (j = x)),
        );
        if (blocked) return this.rollBackWith(j, `not ready to move: ${blocked}`);
        return this.lease.advance(j, "Quiesced");
      }
      case "Quiesced": {
        const result = await this.preflight(j);
        const refusals = result.result.ok ? result.target : result.result.refusals;
        if (refusals.length || !result.result.ok)
          return this.rollBackWith(j, refusals.map((r) => r.message).join("\n"), refusals);
        const p = result.result.plan;
        return this.lease.advance(j, "Frozen", { plan: p.entries.map(toJournalEntry), setDigest: p.setDigest });
      }
      case "Frozen":
        return this.lease.advance(j, "Copying");
      case "Copying": {
        try {
          await copyAndVerify(
            source,
            target,
            j,
            plan(),
            (l) => this.log(l),
            () => this.lease.renew(j).then((x) => (j = x)),
          );
        } catch (e) {
          if (e instanceof CopyConflict || e instanceof VerificationFailed) throw new PivotFailed(e.message);
          if (!(e instanceof SourceChanged)) throw e;
          const refreezes = (j.status!.refreezes ?? 0) + 1;
          if (refreezes > 3)
            throw new PivotFailed(
              `the source keeps changing while paused (${e.message}); is something ignoring the pause?`,
            );
          this.log(`pivot ${this.name}: source changed (${e.message}); re-freezing`);
          return this.lease.advance(j, "Quiesced", { refreezes });
        }
        return this.lease.advance(j, "Verified");
      }
      case "Verified":
        await source.fence(plan(), j.spec.target.apiIdentity);
        return this.lease.advance(j, "Fenced", { fencedAt: new Date().toISOString() });
      case "Fenced":
        return this.lease.advance(j, "Activated", { activatedAt: new Date().toISOString() });
      case "Activated":
        await target.activate(plan());
        return this.lease.advance(j, "SourceDeleting");
      case "SourceDeleting": {
        const res = await source.deleteForMove(plan().filter((e) => e.deleteFromSource));
        const recreated = [...res].filter(([, outcome]) => outcome === "recreated").map(([key]) => key);
        if (recreated.length)
          throw new PivotFailed(
            `re-created in the source since the plan was frozen (left alone): ${recreated.join(", ")}`,
          );
        return this.lease.advance(j, "Tidy");
      }
      case "Tidy":
        await this.finalCheck(j, plan());
        return this.lease.advance(j, "Completed", { completedAt: new Date().toISOString(), holder: "" });
      case "RollingBack": {
        const entries = plan();
        if (entries.length) {
          const inv = await target.inventory(entries, id);
          const copies = [...entries]
            .sort((a, b) => b.order - a.order)
            .flatMap((e) => {
              const t = inv.byKey.get(`${e.group}/${e.kind}/${e.namespace ?? ""}/${e.name}`);
              return t && t.pivotId === id && t.sourceUid === e.sourceUid
                ? [
                    {
                      apiVersion: e.apiVersion,
                      kind: e.kind,
                      name: e.name,
                      uid: t.uid,
                      ...(e.namespace ? { namespace: e.namespace } : {}),
                    },
                  ]
                : [];
            });
          await target.remove([...inv.strays, ...copies]);
        }
        const roots = entries.length ? entries : await this.rootsForRollback(j);
        await source.unpause(roots, new Set(j.status!.pause ?? []));
        return this.lease.advance(j, "Aborted", { holder: "" });
      }
      case "Completed":
      case "Aborted":
        return j;
    }
  }

  private async planOrRefuse(j: StoredJournal, skipProvisioningCheck = false) {
    const discovered = await this.o.source.discover(this.o.namespace);
    const r = planPivot({
      namespace: this.o.namespace,
      ...(this.o.cluster !== undefined ? { cluster: this.o.cluster } : {}),
      ...discovered,
      pausedByUs: new Set(j.status?.pause ?? []),
      skipProvisioningCheck,
    });
    if (!r.ok) throw new PivotRefused(r.refusals);
    return r.plan;
  }

  /**
   * The last look (read-only): every planned object is in the target as this pivot's copy, and no
   * object the plan deletes is left in the source. Digests are not compared any more: the target's
   * controllers run the copies now. The copies keep their marks (label lattice.dev/pivot-id,
   * annotation lattice.dev/pivot-source-uid): the target records where each object came from
   * (a controller may since have rewritten the annotation; the label then still says it).
   */
  private async finalCheck(j: StoredJournal, entries: readonly PlanEntry[]): Promise<void> {
    const [inv, left] = await Promise.all([
      this.o.target.inventory(entries, j.spec.pivotId),
      this.o.source.read(entries.filter((e) => e.deleteFromSource)),
    ]);
    const planUids = new Set(entries.map((e) => e.sourceUid));
    const problems = [
      ...entries
        .filter((e) => {
          const t = inv.byKey.get(keyOf(e));
          // After activation the target's controllers own the copies, and some rewrite their
          // metadata: the MachineDeployment controller propagates its annotations (our source-UID
          // mark too) to its MachineSets. A copy verified before activation still counts when it
          // carries this pivot's id, or a source-UID mark that is missing or names an object of
          // this plan; a mark naming a source outside the plan does not.
          if (!t) return true;
          if (t.sourceUid === e.sourceUid || t.pivotId === j.spec.pivotId) return false;
          return t.sourceUid !== undefined && !planUids.has(t.sourceUid);
        })
        .map((e) => `${describe(e)} is not in the target`),
      // Activation happened before this phase: a copied Cluster or ClusterClass still paused means
      // the target would not run the cluster (nothing manages it on either side).
      ...entries
        .filter((e) => inv.byKey.get(keyOf(e))?.paused === true)
        .map((e) => `${describe(e)} is still paused in the target`),
      ...entries
        .filter((e) => (left.get(keyOf(e))?.metadata as { uid?: string } | undefined)?.uid === e.sourceUid)
        .map((e) => `${describe(e)} is still in the source`),
    ];
    if (problems.length) throw new PivotFailed(`pivot ${this.name}: after activation, ${problems.join("; ")}`);
  }

  /** Clusters and ClusterClasses of the namespace, for unpausing when no plan was frozen. */
  private async rootsForRollback(j: StoredJournal): Promise<PlanEntry[]> {
    const d = await this.o.source.discover(this.o.namespace);
    const r = planPivot({
      namespace: this.o.namespace,
      ...d,
      pausedByUs: new Set(j.status?.pause ?? []),
      skipProvisioningCheck: true,
    });
    return r.ok
      ? r.plan.entries.filter((e) => e.group === CAPI.group && (e.kind === "Cluster" || e.kind === "ClusterClass"))
      : [];
  }

  /** Enter RollingBack and carry it out, then fail with the reason (refusals when there are some). */
  private async rollBackWith(j: StoredJournal, why: string, refusals?: readonly Refusal[]): Promise<never> {
    this.log(`pivot ${this.name}: rolling back: ${why}`);
    j = await this.lease.advance(j, "RollingBack", { lastError: why.slice(0, 4000) });
    j = await this.step(j, "RollingBack");
    if (refusals?.length) throw new PivotRefused(refusals);
    throw new PivotFailed(`pivot ${this.name} rolled back: ${why}`);
  }

  private result(j: StoredJournal, outcome: PivotResult["outcome"]): PivotResult {
    return {
      outcome,
      name: j.name,
      pivotId: j.spec.pivotId,
      objects: j.status?.plan?.length ?? 0,
      attempts: j.status?.attempts ?? 0,
    };
  }
}

/** Keys of the Clusters and ClusterClasses of a plan (what the pivot pauses). */
const rootKeys = (entries: readonly PlanEntry[]): string[] =>
  entries
    .filter((e) => e.group === CAPI.group && (e.kind === "Cluster" || e.kind === "ClusterClass"))
    .map((e) => keyOf(e));
