// The summary `make demo` prints: every Lattice-managed object in the cluster by kind and
// namespace, each service's rollout, the agreement graph of the stack, and one-sided agreements
// found in the cluster.
import type { GraphSummary } from "../core/graph";
import { listEverything } from "../kube/inventory";
import type { KubeClient } from "../kube/client";
import { observeRollout } from "../kube/rollout";

/** Kinds controllers make from Lattice's objects, copying their labels. */
const DERIVED = new Set(["Pod", "ReplicaSet", "Endpoints", "EndpointSlice"]);

interface Component {
  oneSided?: { message: string }[];
}

/** A human-readable account of what Lattice manages in the cluster, and of the agreements. */
export async function summarizeCluster(client: KubeClient, outputs: Record<string, unknown>): Promise<string> {
  // What Lattice applied; the pods, ReplicaSets and endpoints controllers made from it (they carry
  // its labels) are summed up by the rollouts below instead.
  const objects = (await listEverything(client, "app.kubernetes.io/managed-by=lattice")).filter(
    (o) => !DERIVED.has(o.kind),
  );
  const rows = objects
    .map((o) => [o.kind, o.metadata.namespace ?? "(cluster)", o.metadata.name] as const)
    .sort((a, b) => a.join("/").localeCompare(b.join("/")));
  const width = (i: 0 | 1) => Math.max(4, ...rows.map((r) => r[i].length));
  // infra/'s `agreements` output (graphSummary); an empty graph when the stack has none.
  const graph = (outputs.agreements ?? { bilateral: [], oneSided: [], unknown: [], volumes: [] }) as GraphSummary;
  const components = {
    ...(outputs.services as Record<string, Component>),
    ...(outputs.externalServices as Record<string, Component>),
  };
  const oneSided = Object.values(components)
    .flatMap((c) => c.oneSided ?? [])
    .map((o) => o.message);
  const rollouts = await Promise.all(
    objects
      .filter((o) => o.kind === "Deployment")
      .map(async (d) => (await observeRollout(client, d.metadata.namespace!, d.metadata.name)).line),
  );
  return [
    `What exists in the cluster (label app.kubernetes.io/managed-by=lattice): ${rows.length} objects`,
    `  ${"KIND".padEnd(width(0))}  ${"NAMESPACE".padEnd(width(1))}  NAME`,
    ...rows.map((r) => `  ${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`),
    "",
    `Rollouts (${rollouts.length}):`,
    ...rollouts.sort().map((l) => `  ${l}`),
    "",
    ...agreementLines(graph),
    "",
    oneSided.length
      ? `One-sided agreements in the cluster (traffic denied):\n${oneSided.map((m) => "  " + m).join("\n")}`
      : "One-sided agreements in the cluster: none",
  ].join("\n");
}

/** The agreement graph's part of the summary: bilateral agreements, then what lacks a half. */
export function agreementLines(g: GraphSummary): string[] {
  return [
    `Agreement graph (${g.bilateral.length} bilateral, ${g.oneSided.length} one-sided):`,
    ...g.bilateral.map((line) => `  ${line}`),
    ...g.oneSided.map((e) => `  ${e.from} → ${e.to}  ${e.status.replace("-", " ")} (no traffic)`),
    ...g.unknown.map((u) => `  ? ${u.target}: ${u.reason}`),
  ];
}
