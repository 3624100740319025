// The summary `make demo` prints: every Lattice-managed object in the cluster, by kind and
// namespace, and the stack's outputs.
import { stringify } from "yaml";
import { listEverything } from "../kube/inventory";
import type { KubeClient } from "../kube/client";

/** A human-readable account of what Lattice manages in the cluster. */
export async function summarizeCluster(client: KubeClient, outputs: Record<string, unknown>): Promise<string> {
  const objects = await listEverything(client, "app.kubernetes.io/managed-by=lattice");
  const rows = objects
    .map((o) => [o.kind, o.metadata.namespace ?? "(cluster)", o.metadata.name] as const)
    .sort((a, b) => a.join("/").localeCompare(b.join("/")));
  const width = (i: 0 | 1) => Math.max(4, ...rows.map((r) => r[i].length));
  const lines = [
    `What exists in the cluster (label app.kubernetes.io/managed-by=lattice): ${rows.length} objects`,
    `  ${"KIND".padEnd(width(0))}  ${"NAMESPACE".padEnd(width(1))}  NAME`,
    ...rows.map((r) => `  ${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`),
    "",
    "Stack outputs:",
    stringify(outputs).trimEnd().replace(/^/gm, "  "),
  ];
  return lines.join("\n");
}
