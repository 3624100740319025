// The agent's memory of commands, so that none is applied twice:
//   - running: ids being executed now (a duplicate delivery is acknowledged, not started again);
//   - finished: id → result and whether the cell acknowledged it. A command delivered again after a
//     reconnect is answered from here without executing; results not yet acknowledged are sent
//     again on every new stream.
// ConfigMapJournal persists the finished entries in the child (lattice-agent-journal), so this holds
// across agent restarts too. A crash between executing and recording leaves no entry: the command is
// then executed again when re-sent — harmless for apply (server-side apply is idempotent) and import
// (create-if-absent), which is why only those kinds exist.
import type { KubeClient } from "../../kube/client";
import type { CommandResult } from "../protocol/load";
import { AGENT_FIELD_MANAGER, JOURNAL_CONFIGMAP_NAME } from "../api/child";

/** A finished command. */
export interface JournalEntry {
  result: CommandResult;
  acked: boolean;
  finishedAt: number;
}

/** The journal's operations. */
export interface CommandJournal {
  load(): Promise<void>;
  get(id: string): JournalEntry | undefined;
  isRunning(id: string): boolean;
  begin(id: string): void;
  /** Record the result durably (resolves once stored). */
  finish(id: string, result: CommandResult): Promise<void>;
  acknowledge(id: string): Promise<void>;
  /** Results the cell has not acknowledged, oldest first. */
  unacknowledged(): CommandResult[];
}

/** Finished entries kept (the oldest acknowledged ones are dropped first). */
export const JOURNAL_CAPACITY = 64;
/** Largest stored result; bigger ones keep their outcome and message but lose per-object detail. */
const MAX_ENTRY_BYTES = 12 * 1024;

/** A journal in memory (lost on restart). */
export class MemoryJournal implements CommandJournal {
  protected readonly entries = new Map<string, JournalEntry>();
  private readonly running = new Set<string>();

  async load(): Promise<void> {}

  get(id: string): JournalEntry | undefined {
    return this.entries.get(id);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  begin(id: string): void {
    this.running.add(id);
  }

  async finish(id: string, result: CommandResult): Promise<void> {
    this.running.delete(id);
    this.entries.set(id, { result: bound(result), acked: false, finishedAt: Date.now() });
    this.evict();
    await this.persist();
  }

  async acknowledge(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.acked) return;
    e.acked = true;
    await this.persist();
  }

  unacknowledged(): CommandResult[] {
    return [...this.entries.values()]
      .filter((e) => !e.acked)
      .sort((a, b) => a.finishedAt - b.finishedAt)
      .map((e) => e.result);
  }

  protected async persist(): Promise<void> {}

  private evict(): void {
    if (this.entries.size <= JOURNAL_CAPACITY) return;
    const order = [...this.entries.entries()].sort(
      ([, a], [, b]) => Number(b.acked) - Number(a.acked) || a.finishedAt - b.finishedAt,
    );
    for (const [id] of order.slice(0, this.entries.size - JOURNAL_CAPACITY)) this.entries.delete(id);
  }
}

/** A journal persisted in a ConfigMap of the child (one key per command id). */
export class ConfigMapJournal extends MemoryJournal {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
  ) {
    super();
  }

  override async load(): Promise<void> {
    const cm = await this.kube.getOrUndefined<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }>({ apiVersion: "v1", kind: "ConfigMap", namespace: this.namespace, name: JOURNAL_CONFIGMAP_NAME });
    for (const [id, text] of Object.entries(cm?.data ?? {})) {
      try {
        this.entries.set(id, JSON.parse(text) as JournalEntry);
      } catch {
        // a damaged entry is skipped: at worst that command is answered by executing it again
      }
    }
  }

  /** Writes run one after the other; each writes the whole journal (server-side apply prunes dropped keys). */
  protected override persist(): Promise<void> {
    const data = Object.fromEntries([...this.entries].map(([id, e]) => [id, JSON.stringify(e)]));
    const next = this.writing
      .catch(() => undefined)
      .then(() =>
        this.kube
          .apply(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name: JOURNAL_CONFIGMAP_NAME,
                namespace: this.namespace,
                labels: { "app.kubernetes.io/managed-by": "lattice" },
              },
              data,
            },
            { fieldManager: AGENT_FIELD_MANAGER },
          )
          .then(() => undefined),
      );
    this.writing = next;
    return next;
  }
}

function bound(r: CommandResult): CommandResult {
  if (JSON.stringify(r).length <= MAX_ENTRY_BYTES) return r;
  const n = r.objects?.length ?? 0;
  // A pivot inventory's data is dropped too: a read answered again without it is repeated by the
  // mover (a new command), never trusted empty (see pivot/link.ts).
  return {
    ...r,
    objects: [],
    ...(r.dataJson ? { dataJson: "" } : {}),
    message: `${r.message ?? ""} (per-object detail of ${n} objects dropped: too large to keep)`.trim(),
  };
}
