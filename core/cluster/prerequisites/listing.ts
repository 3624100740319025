// `lattice render`'s account of prerequisites: YAML comment lines printed before the objects, one
// line per step of each cluster's plan, so the output stays valid multi-document YAML.
import type { LatticeCluster } from "../../spec";
import { planPrerequisites, type PrerequisiteOptions } from "./plan";

/** Comment lines for every cluster with `spec.prerequisites: create` ("" when there is none). */
export function renderPrerequisiteListing(docs: readonly LatticeCluster[], opts: PrerequisiteOptions): string {
  const out: string[] = [];
  for (const doc of docs) {
    const plan = planPrerequisites(doc, opts);
    if (!plan) continue;
    const namespace = doc.metadata.namespace ?? opts.namespace;
    out.push(`# LatticeCluster ${namespace}/${doc.metadata.name} (${plan.provider}): spec.prerequisites is create, so`);
    out.push(`# Lattice creates these first (lookups are only read), and deletes them after the cluster:`);
    const width = Math.max(...plan.steps.map((s) => (s.kind === "lookup" ? "lookup " : "").length + s.type.length));
    const keyWidth = Math.max(...plan.steps.map((s) => s.key.length));
    for (const s of plan.steps) {
      const type = (s.kind === "lookup" ? "lookup " : "") + s.type;
      out.push(`#   ${type.padEnd(width)}  ${s.key.padEnd(keyWidth)}  ${s.summary}`);
    }
  }
  return out.length ? out.join("\n") + "\n" : "";
}
