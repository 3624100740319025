// explain(from, to): may `from` call `to`, according to the declarations? Quotes the one or two
// declarations involved and says exactly what is missing (and what to add). Reads the graph only;
// the property test checks that the compiled policies agree with it.
import { formatSource } from "../spec";
import { declarationPath, quoteDeclaration, type Declaration, type Edge, type Graph, type GraphNode } from "./model";

export type Explanation =
  | { readonly kind: "error"; readonly message: string }
  | {
      readonly kind: "verdict";
      readonly allowed: boolean;
      readonly from: GraphNode;
      readonly to: GraphNode;
      /** The declarations that exist (the caller's, then the callee's). */
      readonly declarations: readonly Declaration[];
      /** What is missing for the connection to be allowed, one sentence each. */
      readonly missing: readonly string[];
    };

/** Find a node by "namespace/name" or by a name that is unique across namespaces. */
export function resolveRef(graph: Graph, ref: string): GraphNode | string {
  if (ref.includes("/")) return graph.nodes.find((n) => n.ref === ref) ?? `unknown service ${ref}`;
  const matches = graph.nodes.filter((n) => n.name === ref);
  if (matches.length === 1) return matches[0] as GraphNode;
  if (matches.length === 0) return `unknown service ${ref}`;
  return `"${ref}" is ambiguous: ${matches.map((n) => n.ref).join(", ")} (write namespace/name)`;
}

function suggestion(from: GraphNode, to: GraphNode, side: "outbound" | "inbound"): string {
  if (side === "outbound") {
    const type = to.kind === "LatticeExternalService" ? "external-service" : "service";
    const ns = to.namespace === from.namespace ? "" : `, namespace: ${to.namespace}`;
    return `${from.ref} does not declare ${to.ref} outbound; add to its spec.resources: "${to.name}: {type: ${type}, direction: outbound${ns}}"`;
  }
  if (to.kind === "LatticeExternalService") {
    const entry = from.namespace === to.namespace ? from.name : from.ref;
    return `${to.ref} does not allow ${from.ref}; add "${entry}" to its spec.allowed_requesters`;
  }
  const ns = to.namespace === from.namespace ? "" : `, namespace: ${from.namespace}`;
  return `${to.ref} does not declare ${from.ref} inbound; add to its spec.resources: "${from.name}: {type: service, direction: inbound${ns}}"`;
}

/** Explain whether `from` may open connections to `to`. */
export function explain(graph: Graph, fromRef: string, toRef: string): Explanation {
  const from = resolveRef(graph, fromRef);
  if (typeof from === "string") return { kind: "error", message: from };
  const to = resolveRef(graph, toRef);
  if (typeof to === "string") return { kind: "error", message: to };
  if (from.kind === "LatticeExternalService")
    return {
      kind: "verdict",
      allowed: false,
      from,
      to,
      declarations: [],
      missing: [`${from.ref} is an external service: Lattice admits no connections from outside the cluster`],
    };
  const type = to.kind === "LatticeExternalService" ? "external-service" : "service";
  const e: Edge | undefined = graph.edges.find((x) => x.from === from.ref && x.to === to.ref && x.type === type);
  const declarations = [e?.outbound, e?.inbound].filter((d): d is Declaration => d !== undefined);
  const missing: string[] = [];
  if (!e?.outbound) missing.push(suggestion(from, to, "outbound"));
  if (!e?.inbound) missing.push(suggestion(from, to, "inbound"));
  return { kind: "verdict", allowed: missing.length === 0, from, to, declarations, missing };
}

/** The explanation as text, one fact per line. */
export function renderExplanation(x: Explanation): string {
  if (x.kind === "error") return `error: ${x.message}\n`;
  const lines = [
    `${x.allowed ? "ALLOWED" : "DENIED"}: ${x.from.ref} → ${x.to.ref}${x.allowed ? " (both halves are declared)" : ""}`,
  ];
  for (const d of x.declarations) {
    lines.push(`  ${d.by} declares, at ${formatSource(d.source)} ${declarationPath(d)}:`);
    lines.push(`    ${quoteDeclaration(d)}`);
  }
  for (const m of x.missing) lines.push(`  missing: ${m}`);
  return lines.join("\n") + "\n";
}
