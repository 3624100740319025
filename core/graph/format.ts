// The agreement graph as JSON (for tools), Mermaid and Graphviz dot (for people). Deterministic:
// the graph is already sorted and node ids are assigned in that order.
import { formatSource } from "../spec";
import { declarationPath, type Declaration, type Graph } from "./model";

function where(d: Declaration | undefined) {
  return d ? { source: formatSource(d.source), path: declarationPath(d) } : null;
}

/** A plain, stable JSON form of the graph. */
export function graphToJson(g: Graph): unknown {
  return {
    nodes: g.nodes.map((n) => ({ ref: n.ref, kind: n.kind, source: formatSource(n.source) })),
    edges: g.edges.map((e) => ({
      from: e.from,
      to: e.to,
      type: e.type,
      status: e.status,
      outbound: where(e.outbound),
      inbound: where(e.inbound),
    })),
    unknown: g.unknown.map((u) => ({
      by: u.declaration.by,
      target: u.target,
      reason: u.reason,
      declared: where(u.declaration),
    })),
    volumes: g.volumes.map((v) => ({
      namespace: v.namespace,
      id: v.id,
      owners: v.owners.map((o) => o.service),
      consumers: v.consumers.map((c) => c.service),
      problem: volumeProblem(v),
    })),
  };
}

/** One edge as graphToJson writes it. */
export interface EdgeJson {
  from: string;
  to: string;
  type: string;
  status: string;
  outbound: { source: string; path: string } | null;
  inbound: { source: string; path: string } | null;
}

/** The graph as a stack output (graphSummary). */
export interface GraphSummary {
  /** "from → to", " (external)" appended for an external callee. */
  bilateral: string[];
  /** Edges missing their inbound or outbound half. */
  oneSided: EdgeJson[];
  unknown: { by: string; target: string; reason: string; declared: { source: string; path: string } | null }[];
  volumes: { namespace: string; id: string; owners: string[]; consumers: string[]; problem: string | null }[];
}

/**
 * The graph as a stack output: bilateral agreements as "from → to" lines (an external callee marked
 * "(external)"), everything else (one-sided edges, unknown targets, volumes) as graphToJson has it.
 * A stack output is stored in the state and rewritten with it; at 1,000 services graphToJson's form,
 * which names the file and field of both halves of every edge, would be about 1 MB.
 */
export function graphSummary(g: Graph): GraphSummary {
  const full = graphToJson(g) as Pick<GraphSummary, "unknown" | "volumes"> & { edges: EdgeJson[] };
  return {
    bilateral: g.edges
      .filter((e) => e.status === "bilateral")
      .map((e) => `${e.from} → ${e.to}${e.type === "external-service" ? " (external)" : ""}`),
    oneSided: full.edges.filter((e) => e.status !== "bilateral"),
    unknown: full.unknown,
    volumes: full.volumes,
  };
}

/** What is wrong with a shared volume, if anything. */
export function volumeProblem(v: Graph["volumes"][number]): string | null {
  if (v.owners.length === 0) return "no owner";
  if (v.owners.length > 1) return `${v.owners.length} owners`;
  return null;
}

const STATUS_LABEL = {
  bilateral: "",
  "missing-inbound": "missing inbound",
  "missing-outbound": "missing outbound",
} as const;

interface Drawing {
  nodes: Array<{ id: string; label: string; shape: "service" | "external" | "unknown" | "volume" }>;
  links: Array<{ from: string; to: string; label: string; style: "solid" | "dashed" | "thick" }>;
}

function drawing(g: Graph): Drawing {
  const d: Drawing = { nodes: [], links: [] };
  const ids = new Map<string, string>();
  g.nodes.forEach((n, i) => {
    ids.set(n.ref, `n${i}`);
    d.nodes.push({ id: `n${i}`, label: n.ref, shape: n.kind === "LatticeExternalService" ? "external" : "service" });
  });
  const idOf = (ref: string): string => {
    let id = ids.get(ref);
    if (!id) {
      id = `u${ids.size}`;
      ids.set(ref, id);
      d.nodes.push({ id, label: `unknown: ${ref}`, shape: "unknown" });
    }
    return id;
  };
  for (const e of g.edges)
    d.links.push({
      from: idOf(e.from),
      to: idOf(e.to),
      label: STATUS_LABEL[e.status],
      style: e.status === "bilateral" ? "solid" : "dashed",
    });
  for (const u of g.unknown) {
    const outbound = u.declaration.kind === "resource" && u.declaration.decl.direction === "outbound";
    const [from, to] = outbound ? [u.declaration.by, u.target] : [u.target, u.declaration.by];
    d.links.push({ from: idOf(from), to: idOf(to), label: "unknown service", style: "dashed" });
  }
  g.volumes.forEach((v, i) => {
    const id = `v${i}`;
    const problem = volumeProblem(v);
    d.nodes.push({ id, label: `volume ${v.namespace}/${v.id}${problem ? ` (${problem})` : ""}`, shape: "volume" });
    for (const o of v.owners) d.links.push({ from: idOf(o.service), to: id, label: "owns", style: "thick" });
    for (const c of v.consumers) d.links.push({ from: idOf(c.service), to: id, label: "uses", style: "dashed" });
  });
  return d;
}

const esc = (s: string) => s.replace(/"/g, "#quot;");

/** Mermaid flowchart: solid arrows are agreements, dashed ones say what is missing. */
export function graphToMermaid(g: Graph): string {
  const d = drawing(g);
  const lines = ["flowchart LR"];
  for (const n of d.nodes) {
    const label = `"${esc(n.label)}"`;
    lines.push(
      `  ${n.id}${n.shape === "external" ? `([${label}])` : n.shape === "volume" ? `[(${label})]` : n.shape === "unknown" ? `{{${label}}}` : `[${label}]`}`,
    );
  }
  for (const l of d.links) {
    const arrow = l.style === "solid" ? "-->" : l.style === "thick" ? "==>" : "-.->";
    lines.push(`  ${l.from} ${arrow}${l.label ? `|${esc(l.label)}|` : ""} ${l.to}`);
  }
  return lines.join("\n") + "\n";
}

/** Graphviz dot. */
export function graphToDot(g: Graph): string {
  const d = drawing(g);
  const q = (s: string) => JSON.stringify(s);
  const lines = ["digraph lattice {", "  rankdir=LR;"];
  for (const n of d.nodes) {
    const shape =
      n.shape === "external"
        ? "ellipse"
        : n.shape === "volume"
          ? "cylinder"
          : n.shape === "unknown"
            ? "hexagon"
            : "box";
    lines.push(`  ${n.id} [label=${q(n.label)}, shape=${shape}${n.shape === "unknown" ? ", style=dashed" : ""}];`);
  }
  for (const l of d.links)
    lines.push(
      `  ${l.from} -> ${l.to} [${l.label ? `label=${q(l.label)}, ` : ""}style=${l.style === "thick" ? "bold" : l.style}];`,
    );
  lines.push("}");
  return lines.join("\n") + "\n";
}
