// Build the agreement graph from validated documents. Pure, and linear in the number of
// declarations but for small sorts: every service named anywhere gets one slot (slots.ts), every
// declaration is one half of an edge, and halves become ordered edges by sorting on slot numbers
// (halves.ts). This is on the hot path of `bench:compile` (100,000 declarations). Each service's
// slot also keeps the peers it declares, which compileAll hands to the per-service compiler
// (analyseDocuments) so that no declaration is resolved twice.
import type { LatticeExternalService, LatticeService, SourcedDocument, SourceRef } from "../spec";
import { requestersField, requestersOf } from "../spec";
import { Halves, type MutableEdge } from "./halves";
import type {
  Declaration,
  Edge,
  Graph,
  GraphNode,
  NodeKind,
  ResolvedPeers,
  UnknownReference,
  VolumeDeclarationRef,
  VolumeGroup,
} from "./model";
import { Slots, type Slot } from "./slots";

interface VolumeAccumulator {
  namespace: string;
  id: string;
  owners: VolumeDeclarationRef[];
  consumers: VolumeDeclarationRef[];
}

function compareSource(a: SourceRef, b: SourceRef): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.doc - b.doc;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The graph, and what compileAll needs besides. */
export interface Analysis {
  readonly graph: Graph;
  /** Keyed by the document object: the peers of every LatticeService that defines a node. */
  readonly peers: ReadonlyMap<LatticeService, ResolvedPeers>;
  /** The documents that define the nodes, in the nodes' (ref) order. */
  readonly defined: readonly SourcedDocument[];
  /** Services and external services whose namespace and name an earlier document took. */
  readonly duplicates: ReadonlyArray<{ readonly doc: SourcedDocument; readonly first: GraphNode }>;
}

/** Build the graph. Documents of other kinds (clusters) are ignored; documents are taken in source
 * order, so with duplicate names the first one is the node (duplicates are compile errors). */
export function buildGraph(documents: readonly SourcedDocument[], opts: { readonly defaultNamespace: string }): Graph {
  return analyseDocuments(documents, opts).graph;
}

/** buildGraph, keeping what compileAll needs besides: each service's resolved peers. */
export function analyseDocuments(
  documents: readonly SourcedDocument[],
  opts: { readonly defaultNamespace: string },
): Analysis {
  const docs = [...documents].sort((a, b) => compareSource(a.source, b.source));
  const slots = new Slots();
  const defining: Array<{ slot: Slot; doc: LatticeService | LatticeExternalService; source: SourceRef }> = [];
  const duplicates: Array<{ doc: SourcedDocument; first: GraphNode }> = [];
  for (let i = 0; i < docs.length; i++) {
    const sourced = docs[i] as SourcedDocument;
    const { doc, source } = sourced;
    if (doc.kind !== "LatticeService" && doc.kind !== "LatticeExternalService") continue;
    const slot = slots.get(doc.metadata.namespace ?? opts.defaultNamespace, doc.metadata.name);
    if (slot.node) {
      duplicates.push({ doc: sourced, first: slot.node }); // an error in compileAll
      continue;
    }
    slot.node = { ref: slot.ref, namespace: slot.namespace, name: slot.name, kind: doc.kind, source };
    slot.definedBy = sourced;
    defining.push({ slot, doc, source });
  }

  const halves = new Halves();
  const volumes = new Map<string, VolumeAccumulator>();
  const onlyServices: boolean[] = [];
  // Indexed loops on the hot path: this runs before V8 optimizes it, where for-of allocates per element.
  for (let i = 0; i < defining.length; i++) {
    const { slot, doc, source } = defining[i] as (typeof defining)[number];
    if (doc.kind === "LatticeService") onlyServices[i] = addService(doc, slot, source, slots, halves, volumes);
    else addExternal(doc, slot, source, slots, halves);
  }
  const ordered = slots.number();
  const { edges, froms, tos } = halves.merge(ordered.length);

  // Keep edges whose two ends exist with the right kinds; the rest are references to unknown services.
  const kept: number[] = [];
  const unknown: UnknownReference[] = [];
  const problem = (s: Slot, kind: NodeKind): string | undefined => {
    if (!s.node) return `no LatticeService or LatticeExternalService ${s.ref} in the given documents`;
    if (s.node.kind !== kind) return `${s.ref} is a ${s.node.kind}, not a ${kind}`;
    return undefined;
  };
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i] as MutableEdge;
    const fromNode = (froms[i] as Slot).node;
    const toNode = (tos[i] as Slot).node;
    const toKind = e.type === "service" ? "LatticeService" : "LatticeExternalService";
    if (
      fromNode !== undefined &&
      fromNode.kind === "LatticeService" &&
      toNode !== undefined &&
      toNode.kind === toKind
    ) {
      e.status = e.outbound && e.inbound ? "bilateral" : e.outbound ? "missing-inbound" : "missing-outbound";
      kept.push(i);
      continue;
    }
    const fromProblem = problem(froms[i] as Slot, "LatticeService");
    const toProblem = problem(tos[i] as Slot, toKind);
    if (e.outbound && toProblem) unknown.push({ declaration: e.outbound, target: e.to, reason: toProblem });
    if (e.inbound && fromProblem) unknown.push({ declaration: e.inbound, target: e.from, reason: fromProblem });
  }

  unknown.sort((a, b) => cmp(a.declaration.by, b.declaration.by) || cmp(a.target, b.target));
  const groups: VolumeGroup[] = [...volumes.values()].sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.id, b.id));
  const nodes: GraphNode[] = [];
  const defined: SourcedDocument[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const slot = ordered[i] as Slot;
    if (slot.node) nodes.push(slot.node);
    if (slot.definedBy) defined.push(slot.definedBy);
  }
  const graph: Graph = {
    nodes,
    edges: kept.map((i) => withoutUndefined(edges[i] as MutableEdge)),
    unknown,
    volumes: groups,
  };

  const peers = new Map<LatticeService, ResolvedPeers>();
  for (let i = 0; i < defining.length; i++) {
    const { slot, doc } = defining[i] as (typeof defining)[number];
    if (doc.kind === "LatticeService")
      peers.set(doc, {
        callees: slot.callees ?? [],
        callers: slot.callers ?? [],
        onlyServices: onlyServices[i] === true,
      });
  }
  return { graph, peers, defined, duplicates };
}

/** The edge as the Edge type describes it: a missing half is absent, not undefined. The common
 * case (both halves present) is returned as is. */
function withoutUndefined(e: MutableEdge): Edge {
  if (e.outbound && e.inbound) return e as Edge;
  const { outbound, inbound, ...rest } = e;
  return { ...rest, ...(outbound ? { outbound } : {}), ...(inbound ? { inbound } : {}) };
}

/** A service's declarations as halves (and volume declarations); true when all are services. */
function addService(
  doc: LatticeService,
  self: Slot,
  source: SourceRef,
  slots: Slots,
  halves: Halves,
  volumes: Map<string, VolumeAccumulator>,
): boolean {
  const resources = doc.spec.resources;
  if (!resources) return true;
  let onlyServices = true;
  for (const key in resources) {
    const r = resources[key];
    if (!r) continue;
    if (r.type !== "service") onlyServices = false;
    if (r.type === "volume") {
      if (r.id === undefined) continue; // private: nothing to agree on
      const vk = `${self.namespace}/${r.id}`;
      let g = volumes.get(vk);
      if (!g) {
        g = { namespace: self.namespace, id: r.id, owners: [], consumers: [] };
        volumes.set(vk, g);
      }
      (r.params?.size !== undefined ? g.owners : g.consumers).push({ service: self.ref, source, key });
      continue;
    }
    const target = slots.get(r.namespace ?? self.namespace, r.id ?? key);
    const d: Declaration = { kind: "resource", by: self.ref, source, key, decl: r };
    if (r.type === "external-service") halves.add(self, target, true, false, d);
    else if (r.direction === "outbound") halves.add(self, target, false, false, d);
    else halves.add(target, self, false, true, d);
  }
  return onlyServices;
}

function addExternal(doc: LatticeExternalService, self: Slot, source: SourceRef, slots: Slots, halves: Halves): void {
  const field = requestersField(doc);
  requestersOf(doc).forEach((entry, index) => {
    const slash = entry.indexOf("/");
    const from =
      slash < 0 ? slots.get(self.namespace, entry) : slots.get(entry.slice(0, slash), entry.slice(slash + 1));
    halves.add(from, self, true, true, { kind: "requester", by: self.ref, source, field, index, entry });
  });
}
