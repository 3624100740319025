// The mover hosted in the cell: a controller on ClusterPivot journals whose target is a child's link
// (design §3.9). It polls the journals of its namespace; for each unfinished link-mode journal it is
// not already running, it runs the Mover (./mover.ts) with a LinkTarget (./link.ts) and the parent as
// the source. Several cell replicas may all try: the journal's lease lets one run a pivot at a time,
// the others find it held and try again later; a replica that dies leaves a lease the next one takes
// over (at once on the same host, whose process table shows the holder gone; else when it expires).
// A pivot that fails is retried with back-off; its lastError stays in the journal for the provider.
import { LINK_API_VERSION } from "../agent/api/types";
import type { Logger } from "../agent/log";
import { journalName, leaseVerdict } from "../core/pivot/journal";
import { PivotKube } from "./client";
import { MutationCounter, parseFault, FAULT_ENV } from "./fault";
import { holderIsDead, JournalStore, type StoredJournal } from "./journal-store";
import { AgentCommandChannel, LinkTarget } from "./link";
import { Mover } from "./mover";
import { KubeSource } from "./source";
import type { KubeClient } from "../kube/client";

export interface PivotControllerOptions {
  readonly kube: KubeClient;
  /** The cell's namespace: journals and AgentCommands live there. */
  readonly namespace: string;
  readonly log: Logger;
  /** How often journals are listed (default 1 s). */
  readonly pollMs?: number;
  /** Lease length of a run (default 30 s). */
  readonly leaseSeconds?: number;
  /** How long one step may wait for the agent (default 60 s). */
  readonly stepTimeoutMs?: number;
}

const TERMINAL = new Set(["Completed", "Aborted"]);

/**
 * The test hook of the cell's crash tests: LATTICE_PIVOT_KILL_AT=<Phase> SIGKILLs the cell right
 * after a mover recorded entering that phase (a phase boundary), as a crash there would.
 */
export const KILL_AT_ENV = "LATTICE_PIVOT_KILL_AT";

/** Runs link-mode pivots from their journals. */
export class PivotController {
  private readonly running = new Map<string, Promise<void>>();
  private readonly retryAt = new Map<string, { at: number; delayMs: number }>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly store: JournalStore;

  constructor(private readonly o: PivotControllerOptions) {
    this.store = new JournalStore(o.kube, o.namespace);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.tick()
        .catch((e: unknown) => this.o.log.debug("pivot controller: listing journals failed", { error: e as Error }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 1000);
        });
    };
    tick();
  }

  /** Stop looking for work; runs in progress end at their next step (bounded wait). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.race([Promise.allSettled(this.running.values()), new Promise((r) => setTimeout(r, 2000))]);
  }

  /** Names of the journals this process is running now. */
  active(): string[] {
    return [...this.running.keys()];
  }

  private async tick(): Promise<void> {
    if (!(await this.store.hasCrd())) return;
    const list = (await this.o.kube.list(LINK_API_VERSION, "ClusterPivot", {
      namespace: this.o.namespace,
    })) as unknown as {
      metadata: { name: string };
      spec: StoredJournal["spec"];
      status?: StoredJournal["status"];
    }[];
    const now = Date.now();
    for (const raw of list) {
      const name = raw.metadata.name;
      if (raw.spec?.target?.mode !== "link" || !raw.spec.target.link) continue;
      if (TERMINAL.has(raw.status?.phase ?? "") || this.running.has(name)) continue;
      if ((this.retryAt.get(name)?.at ?? 0) > now) continue;
      if (name !== journalName(raw.spec.namespace, raw.spec.cluster)) continue;
      // Held by a live mover elsewhere: not ours to run now.
      if (leaseVerdict(raw.status, "", new Date(), holderIsDead) === "held") continue;
      const run = this.run(name).finally(() => this.running.delete(name));
      this.running.set(name, run);
    }
  }

  private async run(name: string): Promise<void> {
    const killAt = process.env[KILL_AT_ENV];
    const log = (line: string) => {
      this.o.log.info("pivot", { journal: name, line });
      if (killAt && new RegExp(`^phase ${killAt} `).test(line)) process.kill(process.pid, "SIGKILL");
    };
    try {
      let j = await this.store.get(name);
      if (!j) return;
      const link = j.spec.target.link!;
      const channel = new AgentCommandChannel(this.o.kube, this.o.namespace, link, {
        timeoutMs: this.o.stepTimeoutMs ?? 60_000,
      });
      const target = new LinkTarget(channel, name);
      if (!j.spec.target.apiIdentity) {
        // A request (pivot/request.ts): learn the child's identity from its agent, once.
        const apiIdentity = await target.identity();
        j = await this.store.restart(j, { ...j.spec, target: { ...j.spec.target, apiIdentity } });
        log(`child ${link} has API identity ${apiIdentity}`);
      }
      // The source is this parent; its writes go under the mover's field manager (and a test fault).
      const kube = new PivotKube(this.o.kube.access, new MutationCounter(parseFault(process.env[FAULT_ENV])), "source");
      const mover = new Mover({
        source: new KubeSource(kube),
        target,
        journal: new JournalStore(kube, this.o.namespace),
        namespace: j.spec.namespace,
        ...(j.spec.cluster ? { cluster: j.spec.cluster } : {}),
        leaseSeconds: this.o.leaseSeconds ?? 30,
        leaseWaitMs: 1000,
        pollMs: 250,
        log,
      });
      const result = await mover.run();
      this.retryAt.delete(name);
      this.o.log.info("pivot finished", { journal: name, outcome: result.outcome, objects: result.objects });
    } catch (e) {
      const prev = this.retryAt.get(name)?.delayMs ?? 1000;
      const delayMs = Math.min(prev * 2, 60_000);
      this.retryAt.set(name, { at: Date.now() + delayMs, delayMs });
      this.o.log.warn("pivot stopped; will try again", { journal: name, error: e as Error, retryInMs: delayMs });
    }
  }
}
