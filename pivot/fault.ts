// The crash hook of the pivot tests: LATTICE_PIVOT_FAULT=before:<n>|after:<n>[:kill] stops the
// mover just before, or just after, its n-th mutating request (POST/PUT/PATCH/DELETE to either
// cluster, journal writes included). Without ":kill" it throws PivotCrash, which no code path
// catches, and every later request of the run fails the same way (a dead process sends nothing and
// reads no answer); with ":kill" the process SIGKILLs itself. The count of a clean run is M: the
// crash matrix runs k = 1..M.

/** A parsed fault. */
export interface Fault {
  readonly when: "before" | "after";
  readonly n: number;
  readonly kill: boolean;
}

/** The environment variable the CLI reads. */
export const FAULT_ENV = "LATTICE_PIVOT_FAULT";

/** Parse "before:3", "after:12:kill"; undefined for an empty value; throws on anything else. */
export function parseFault(text: string | undefined): Fault | undefined {
  if (!text) return undefined;
  const m = /^(before|after):(\d+)(:kill)?$/.exec(text.trim());
  if (!m || Number(m[2]) < 1)
    throw new Error(`${FAULT_ENV}=${text}: want before:<n> or after:<n>, optionally :kill (n ≥ 1)`);
  return { when: m[1] as Fault["when"], n: Number(m[2]), kill: !!m[3] };
}

/** The simulated crash. Never caught by the mover; tests expect it. */
export class PivotCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PivotCrash";
  }
}

/** Counts a run's mutating requests and injects the fault. One per run, shared by both clusters' clients. */
export class MutationCounter {
  /** Mutating requests issued so far. */
  count = 0;
  /** "METHOD side/path" of each, in order (what the crash matrix names its points by). */
  readonly trace: string[] = [];
  /** Milliseconds each took (for the benchmark's account of where the time goes). */
  readonly durations: number[] = [];
  private dead = false;

  constructor(readonly fault?: Fault) {}

  /** Run one mutating request under the counter. */
  async around<T>(describe: () => string, send: () => Promise<T>): Promise<T> {
    if (this.dead) throw new PivotCrash(`crashed earlier; not sending ${describe()}`);
    const n = ++this.count;
    this.trace.push(describe());
    const f = this.fault;
    if (f?.when === "before" && n === f.n) this.crash(`fault before mutating request ${n} (${describe()})`);
    if (f?.when === "after" && n === f.n) {
      this.dead = true; // nothing issued after this one is sent
      await send().catch(() => undefined);
      this.crash(`fault after mutating request ${n} (${describe()})`);
    }
    const t0 = performance.now();
    const result = await send();
    this.durations[n - 1] = performance.now() - t0;
    if (this.dead) throw new PivotCrash(`crashed while ${describe()} was in flight`);
    return result;
  }

  private crash(message: string): never {
    this.dead = true;
    if (this.fault?.kill) process.kill(process.pid, "SIGKILL");
    throw new PivotCrash(message);
  }
}
