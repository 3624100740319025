// What an engine operation did to Lattice's policy documents, read from its engine events: which
// documents each dynamic resource changes (Node dynamic providers cannot return a detailed diff, so
// the names come from the keyed `objects` inputs the engine reports), and the one-sided agreement
// warnings the components emitted.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { changedKeys } from "../providers/objectset/drift";

/** The inputs of Lattice's dynamic resources that hold documents keyed by "Kind/namespace/name". */
const DOCUMENT_INPUTS = ["objects", "baseline", "record"] as const;

function documentsIn(inputs: unknown, input: (typeof DOCUMENT_INPUTS)[number]): Record<string, unknown> {
  const v = (inputs as Record<string, unknown> | undefined)?.[input];
  return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

/** resource name → the "Kind/namespace/name" documents that change, for steps that change any. */
export function changedDocuments(events: readonly EngineEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || !/^pulumi-nodejs:dynamic\/lattice:/.test(m.type) || m.op === "same") continue;
    const keys = [
      ...new Set(
        DOCUMENT_INPUTS.flatMap((input) =>
          changedKeys(documentsIn(m.old?.inputs, input), documentsIn(m.new?.inputs, input)),
        ),
      ),
    ].sort();
    if (keys.length) out[m.urn.split("::").pop()!] = keys;
  }
  return out;
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
