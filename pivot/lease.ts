// The journal's lease and its writes: every status write is a compare-and-swap by the holder of the
// lease, and renews it. A mover takes the lease when it is free (released), expired, or held by a
// mover that is provably dead; otherwise it waits. Losing the lease (a CAS conflict with another
// holder) stops the run.
import { enter, leaseVerdict, type Phase, type PivotStatus } from "../core/pivot/journal";
import { PivotFailed } from "./errors";
import { PivotCrash } from "./fault";
import { JournalConflict, holderIsDead, newHolder, type JournalStore, type StoredJournal } from "./journal-store";

const TERMINAL: readonly Phase[] = ["Completed", "Aborted"];

export interface LeaseOptions {
  readonly leaseSeconds: number;
  /** How long to wait for a lease another live mover holds. */
  readonly leaseWaitMs: number;
  readonly pollMs: number;
  readonly log: (line: string) => void;
}

/** One run's hold on a journal. */
export class JournalLease {
  /** "host:pid:run": this run in the journal's status.holder. */
  readonly holder = newHolder();
  private readonly started = Date.now();

  constructor(
    private readonly store: JournalStore,
    private readonly o: LeaseOptions,
  ) {}

  get leaseSeconds(): number {
    return this.o.leaseSeconds;
  }

  /** The status a new journal starts with (this run holding it). */
  initial(attempts = 1): PivotStatus {
    return { phase: "Planned", holder: this.holder, renewTime: "", leaseSeconds: this.o.leaseSeconds, attempts };
  }

  /** Take the lease: free, expired or held by a dead mover → ours (attempts + 1); held → wait. */
  async acquire(j: StoredJournal, targetIdentity: () => Promise<string>): Promise<StoredJournal> {
    const deadline = Date.now() + (this.o.leaseWaitMs ?? 600_000);
    let waiting = false;
    for (;;) {
      if (j.status?.holder === this.holder || TERMINAL.includes(j.status?.phase ?? "Planned")) return j;
      const verdict = leaseVerdict(j.status, this.holder, new Date(), holderIsDead);
      if (verdict !== "held") {
        if (j.spec.target.apiIdentity !== (await targetIdentity()))
          throw new PivotFailed(
            `pivot ${j.name} moves to another cluster (API identity ${j.spec.target.apiIdentity}); finish it with that --to-kubeconfig, or --abort it`,
          );
        const base: PivotStatus = j.status ?? { ...this.initial(0), holder: "" };
        try {
          const next = await this.store.writeStatus(j, {
            ...base,
            holder: this.holder,
            renewTime: new Date().toISOString(),
            leaseSeconds: this.o.leaseSeconds,
            attempts: base.attempts + 1,
          });
          this.o.log(
            `pivot ${j.name}: resuming at ${base.phase} (attempt ${base.attempts + 1}${verdict === "free" ? "" : `, lease ${verdict}`})`,
          );
          return next;
        } catch (e) {
          if (!(e instanceof JournalConflict)) throw e;
        }
      } else {
        if (!waiting) this.o.log(`pivot ${j.name}: waiting for the lease held by ${j.status!.holder}`);
        waiting = true;
        if (Date.now() > deadline) throw new PivotFailed(`pivot ${j.name}: lease still held by ${j.status!.holder}`);
        await sleep(this.o.pollMs ?? 500);
      }
      const again = await this.store.get(j.name);
      if (!again) throw new PivotFailed(`ClusterPivot ${j.name} was deleted while waiting for its lease`);
      j = again;
    }
  }

  /** Record the next phase (CAS); the holder renews the lease with every write. */
  async advance(j: StoredJournal, phase: Phase, extra: Partial<PivotStatus> = {}): Promise<StoredJournal> {
    const next = { ...enter(j.status!, phase, this.holder, new Date()), ...extra };
    if (phase !== "RollingBack" && !("lastError" in extra)) delete next.lastError;
    const written = await this.write(j, next);
    this.logPhase(phase);
    return written;
  }

  async write(j: StoredJournal, status: PivotStatus): Promise<StoredJournal> {
    try {
      return await this.store.writeStatus(j, status);
    } catch (e) {
      if (!(e instanceof JournalConflict)) throw e;
      const now = await this.store.get(j.name);
      if (!now?.status || now.status.holder !== this.holder || now.status.phase !== j.status?.phase)
        throw new PivotFailed(
          `pivot ${j.name}: lost the lease to ${now?.status?.holder || "another mover"} (phase ${now?.status?.phase})`,
        );
      return this.store.writeStatus(now, status);
    }
  }

  /** Renew the lease during long steps (only when half of it has passed: writes stay few and, in a
   * run of ordinary length, none happen, so the count of mutating requests is the same every run). */
  async renew(j: StoredJournal): Promise<StoredJournal> {
    if (Date.now() - Date.parse(j.status!.renewTime) < (this.o.leaseSeconds * 1000) / 2) return j;
    return this.write(j, { ...j.status!, renewTime: new Date().toISOString() });
  }

  /** Give up the lease after a refusal or failure, recording why (best effort). */
  async release(j: StoredJournal, why: string): Promise<void> {
    const now = await this.store.get(j.name).catch(unlessCrash);
    if (!now?.status || now.status.holder !== this.holder) return;
    await this.store.writeStatus(now, { ...now.status, holder: "", lastError: why.slice(0, 4000) }).catch(unlessCrash);
  }

  /** One progress line: the phase entered and the time since this run started. */
  logPhase(phase: Phase): void {
    this.o.log(`phase ${phase.padEnd(14)} ${((Date.now() - this.started) / 1000).toFixed(2)} s`);
  }
}

/** Swallow an error unless it is the simulated crash, which nothing may catch. */
const unlessCrash = (e: unknown): undefined => {
  if (e instanceof PivotCrash) throw e;
  return undefined;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
