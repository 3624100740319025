// What an engine operation did to Lattice's documents, read from its engine events: which documents
// of which service change (a ServiceSet's inputs hold, per member, a digest of each object it
// compiles to, so the names come from comparing the old and new digests in the engine's events;
// Node dynamic providers cannot return a detailed diff), and the one-sided agreement warnings the
// components emitted.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { changedKeys } from "../providers/objectset/drift";

/** The type of the resource that holds a set of services (providers/serviceset). */
const SERVICE_SET = "pulumi-nodejs:dynamic/lattice:ServiceSet";

type Digests = Record<string, Record<string, string>>;

/** Per member ("namespace/name") or namespace baseline ("namespace (baseline)"), its object digests. */
function digestsIn(inputs: unknown): Digests {
  const i = (inputs ?? {}) as { members?: Record<string, { objects?: Record<string, string> }>; baselines?: Digests };
  const out: Digests = {};
  for (const [ref, m] of Object.entries(i.members ?? {})) out[ref] = m?.objects ?? {};
  for (const [ns, d] of Object.entries(i.baselines ?? {})) out[`${ns} (baseline)`] = d ?? {};
  return out;
}

/** service "namespace/name" (or "namespace (baseline)") → the "Kind/namespace/name" documents that change. */
export function changedDocuments(events: readonly EngineEvent[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type !== SERVICE_SET || m.op === "same" || m.op === "read" || m.op === "refresh") continue;
    const olds = digestsIn(m.old?.inputs);
    const news = digestsIn(m.new?.inputs);
    for (const owner of new Set([...Object.keys(olds), ...Object.keys(news)])) {
      const keys = changedKeys(olds[owner] ?? {}, news[owner] ?? {});
      if (keys.length) for (const k of keys) (out[owner] ??= new Set()).add(k);
    }
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((owner) => [owner, [...out[owner]!].sort()]),
  );
}

/** The one-sided agreement warnings among the events (deduplicated, in order). */
export function oneSidedWarnings(events: readonly EngineEvent[]): string[] {
  const seen = new Set<string>();
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (d?.severity !== "warning") continue;
    const m = d.message.match(/one-sided agreement: (.*)/);
    if (m) seen.add(m[1]!.trim());
  }
  return [...seen];
}

/** The report printed after a preview or an update. */
export function renderReport(changes: Record<string, string[]>, oneSided: readonly string[]): string {
  const lines: string[] = [];
  const names = Object.keys(changes).sort();
  lines.push(names.length ? "Lattice documents that change:" : "Lattice documents that change: none");
  for (const n of names) for (const k of changes[n]!) lines.push(`  ${n}: ${k}`);
  lines.push(oneSided.length ? `One-sided agreements (${oneSided.length}):` : "One-sided agreements: none");
  for (const o of oneSided) lines.push(`  ${o}`);
  return lines.join("\n") + "\n";
}
