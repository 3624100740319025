// Human text for a plan and for refusals (the CLI's --dry-run and error output; golden-tested).
import { describe, type Plan, type Refusal } from "./model";

/** The plan, group by group, with what stays in the source. */
export function formatPlan(plan: Plan, left: readonly string[] = []): string {
  const lines: string[] = [];
  const scope = plan.cluster ? `Cluster ${plan.namespace}/${plan.cluster}` : `namespace ${plan.namespace}`;
  lines.push(`plan for ${scope}: ${plan.entries.length} objects in ${plan.groups} groups (owners first)`);
  for (let g = 0; g < plan.groups; g++) {
    lines.push(`group ${g + 1}:`);
    for (const e of plan.entries.filter((x) => x.order === g)) {
      const notes = [
        e.global ? "global: copied if absent" : "",
        !e.deleteFromSource && !e.global ? "kept in the source" : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(`  ${describe(e)}${notes ? `  (${notes})` : ""}`);
    }
  }
  if (left.length) lines.push(`not moved (another Cluster's, or outside --cluster): ${left.join(", ")}`);
  return lines.join("\n") + "\n";
}

/** One paragraph per refusal. */
export function formatRefusals(refusals: readonly Refusal[]): string {
  return refusals.map((r) => `refused (${r.reason}): ${r.message}`).join("\n") + "\n";
}
