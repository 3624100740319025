// Build the agreement graph from validated documents. Pure and linear in the number of
// declarations: every service named anywhere gets one slot (looked up by namespace, then name, so
// no "namespace/name" string is built per declaration), edges hang off slots, and the final sort
// orders edges by slot numbers rather than strings. This is on the hot path of `bench:compile`
// (100,000 declarations). Each service's slot also keeps the peers it declares, which compileAll
// hands to the per-service compiler (analyseDocuments) so that no declaration is resolved twice.
import type { LatticeExternalService, LatticeService, SourcedDocument, SourceRef } from "../spec";
import { requestersField, requestersOf } from "../spec";
import type { Declaration, Edge, EdgeType, Graph, GraphNode, NodeKind, PeerRef, ResolvedPeers, UnknownReference, VolumeDeclarationRef, VolumeGroup } from "./model";

// Every field of these records is set when they are created (to undefined if need be): objects of
// one shape keep V8's property access monomorphic, which matters at 100,000 declarations.

/** A service named somewhere: a node when a document defines it. */
interface Slot extends PeerRef {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  node: GraphNode | undefined;
  /** Its place in ref order. */
  order: number;
  out: Map<Slot, MutableEdge> | undefined;
  outExternal: Map<Slot, MutableEdge> | undefined;
  /** The services its own document declares outbound and inbound, each once. */
  callees: Slot[] | undefined;
  callers: Slot[] | undefined;
}

interface MutableEdge {
  from: string;
  to: string;
  type: EdgeType;
  status: Edge["status"];
  outbound: Declaration | undefined;
  inbound: Declaration | undefined;
}

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

class Slots {
  private readonly byNamespace = new Map<string, Map<string, Slot>>();
  readonly all: Slot[] = [];

  get(namespace: string, name: string): Slot {
    let names = this.byNamespace.get(namespace);
    if (!names) {
      names = new Map();
      this.byNamespace.set(namespace, names);
    }
    let s = names.get(name);
    if (!s) {
      s = {
        ref: `${namespace}/${name}`,
        namespace,
        name,
        node: undefined,
        order: 0,
        out: undefined,
        outExternal: undefined,
        callees: undefined,
        callers: undefined,
      };
      names.set(name, s);
      this.all.push(s);
    }
    return s;
  }
}

/** The graph, and each service document's declared peers as the graph resolved them. */
export interface Analysis {
  readonly graph: Graph;
  /** Keyed by the document object: the peers of every LatticeService that defines a node. */
  readonly peers: ReadonlyMap<LatticeService, ResolvedPeers>;
}

/** Build the graph. Documents of other kinds (clusters) are ignored; documents are taken in source
 * order, so with duplicate names the first one is the node (duplicates are compile errors). */
export function buildGraph(documents: readonly SourcedDocument[], opts: { readonly defaultNamespace: string }): Graph {
  return analyseDocuments(documents, opts).graph;
}

/** buildGraph, keeping what compileAll needs besides: each service's resolved peers. */
export function analyseDocuments(documents: readonly SourcedDocument[], opts: { readonly defaultNamespace: string }): Analysis {
  const docs = [...documents].sort((a, b) => compareSource(a.source, b.source));
  const slots = new Slots();
  const defining: Array<{ slot: Slot; doc: LatticeService | LatticeExternalService; source: SourceRef }> = [];
  for (let i = 0; i < docs.length; i++) {
    const { doc, source } = docs[i] as SourcedDocument;
    if (doc.kind !== "LatticeService" && doc.kind !== "LatticeExternalService") continue;
    const slot = slots.get(doc.metadata.namespace ?? opts.defaultNamespace, doc.metadata.name);
    if (slot.node) continue; // a duplicate: reported by compileAll
    slot.node = { ref: slot.ref, namespace: slot.namespace, name: slot.name, kind: doc.kind, source };
    defining.push({ slot, doc, source });
  }

  const edges: MutableEdge[] = [];
  const froms: Slot[] = [];
  const tos: Slot[] = [];
  const edge = (type: EdgeType, from: Slot, to: Slot): MutableEdge => {
    let map = type === "service" ? from.out : from.outExternal;
    if (!map) {
      map = new Map();
      if (type === "service") from.out = map;
      else from.outExternal = map;
    }
    let e = map.get(to);
    if (!e) {
      e = { from: from.ref, to: to.ref, type, status: "bilateral", outbound: undefined, inbound: undefined };
      map.set(to, e);
      edges.push(e);
      froms.push(from);
      tos.push(to);
    }
    return e;
  };
  const volumes = new Map<string, VolumeAccumulator>();
  // Indexed loops on the hot path: this runs before V8 optimizes it, where for-of allocates per element.
  for (let i = 0; i < defining.length; i++) {
    const { slot, doc, source } = defining[i] as (typeof defining)[number];
    if (doc.kind === "LatticeService") addService(doc, slot, source, slots, edge, volumes);
    else addExternal(doc, slot, source, slots, edge);
  }

  // Number slots in ref order: edges and peers are then ordered by numbers.
  const ordered = [...slots.all].sort((a, b) => cmp(a.ref, b.ref));
  for (let i = 0; i < ordered.length; i++) (ordered[i] as Slot).order = i;

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
    const fromProblem = problem(froms[i] as Slot, "LatticeService");
    const toProblem = problem(tos[i] as Slot, e.type === "service" ? "LatticeService" : "LatticeExternalService");
    if (!fromProblem && !toProblem) {
      e.status = e.outbound && e.inbound ? "bilateral" : e.outbound ? "missing-inbound" : "missing-outbound";
      kept.push(i);
      continue;
    }
    if (e.outbound && toProblem) unknown.push({ declaration: e.outbound, target: e.to, reason: toProblem });
    if (e.inbound && fromProblem) unknown.push({ declaration: e.inbound, target: e.from, reason: fromProblem });
  }
  const order = edgeOrder(kept, froms, tos, edges, ordered.length);

  unknown.sort((a, b) => cmp(a.declaration.by, b.declaration.by) || cmp(a.target, b.target));
  const groups: VolumeGroup[] = [...volumes.values()].sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.id, b.id));
  const nodes = defining.map((d) => d.slot.node as GraphNode).sort((a, b) => cmp(a.ref, b.ref));
  const graph: Graph = { nodes, edges: order.map((i) => withoutUndefined(edges[i] as MutableEdge)), unknown, volumes: groups };

  const peers = new Map<LatticeService, ResolvedPeers>();
  for (let i = 0; i < defining.length; i++) {
    const { slot, doc } = defining[i] as (typeof defining)[number];
    if (doc.kind === "LatticeService") peers.set(doc, { callees: byOrder(slot.callees ?? []), callers: byOrder(slot.callers ?? []) });
  }
  return { graph, peers };
}

/**
 * The kept edges' indices in output order: by source slot, then target slot, external-service
 * edges before service edges between the same two slots. A counting sort on the source's number,
 * then a sort of each source's few edges: linear for the usual handful of peers per service.
 */
function edgeOrder(kept: readonly number[], froms: readonly Slot[], tos: readonly Slot[], edges: readonly MutableEdge[], slotCount: number): number[] {
  const start = new Int32Array(slotCount + 1);
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k] as number;
    const f = (froms[i] as Slot).order + 1;
    start[f] = (start[f] as number) + 1;
  }
  for (let s = 0; s < slotCount; s++) start[s + 1] = (start[s + 1] as number) + (start[s] as number);
  const next = start.slice(0, slotCount);
  const out = new Array<number>(kept.length);
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k] as number;
    const f = (froms[i] as Slot).order;
    const at = next[f] as number;
    next[f] = at + 1;
    out[at] = i;
  }
  const key = (i: number) => (tos[i] as Slot).order * 2 + ((edges[i] as MutableEdge).type === "service" ? 1 : 0);
  for (let s = 0; s < slotCount; s++) {
    const lo = start[s] as number;
    const hi = start[s + 1] as number;
    if (hi - lo < 2) continue;
    if (hi - lo > 32) {
      const run = out.slice(lo, hi).sort((a, b) => key(a) - key(b));
      for (let k = lo; k < hi; k++) out[k] = run[k - lo] as number;
      continue;
    }
    for (let k = lo + 1; k < hi; k++) {
      const v = out[k] as number;
      const kv = key(v);
      let j = k - 1;
      while (j >= lo && key(out[j] as number) > kv) {
        out[j + 1] = out[j] as number;
        j--;
      }
      out[j + 1] = v;
    }
  }
  return out;
}

/** Slots sorted by their number (in place): insertion sort for the usual few, else the builtin. */
function byOrder(xs: Slot[]): Slot[] {
  if (xs.length > 32) return xs.sort((a, b) => a.order - b.order);
  for (let k = 1; k < xs.length; k++) {
    const v = xs[k] as Slot;
    let j = k - 1;
    while (j >= 0 && (xs[j] as Slot).order > v.order) {
      xs[j + 1] = xs[j] as Slot;
      j--;
    }
    xs[j + 1] = v;
  }
  return xs;
}

/** The edge as the Edge type describes it: a missing half is absent, not undefined. The common
 * case (both halves present) is returned as is. */
function withoutUndefined(e: MutableEdge): Edge {
  if (e.outbound && e.inbound) return e as Edge;
  const { outbound, inbound, ...rest } = e;
  return { ...rest, ...(outbound ? { outbound } : {}), ...(inbound ? { inbound } : {}) };
}

type EdgeOf = (type: EdgeType, from: Slot, to: Slot) => MutableEdge;

function addService(doc: LatticeService, self: Slot, source: SourceRef, slots: Slots, edge: EdgeOf, volumes: Map<string, VolumeAccumulator>): void {
  const resources = doc.spec.resources;
  if (!resources) return;
  for (const key in resources) {
    const r = resources[key];
    if (!r) continue;
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
    if (r.type === "external-service") {
      edge("external-service", self, target).outbound ??= d;
      continue;
    }
    // The first declaration of a pair counts (as for the edge); a repeat adds no peer.
    const e = r.direction === "outbound" ? edge("service", self, target) : edge("service", target, self);
    if (r.direction === "outbound") {
      if (e.outbound) continue;
      e.outbound = d;
      (self.callees ??= []).push(target);
    } else {
      if (e.inbound) continue;
      e.inbound = d;
      (self.callers ??= []).push(target);
    }
  }
}

function addExternal(doc: LatticeExternalService, self: Slot, source: SourceRef, slots: Slots, edge: EdgeOf): void {
  const field = requestersField(doc);
  requestersOf(doc).forEach((entry, index) => {
    const slash = entry.indexOf("/");
    const from = slash < 0 ? slots.get(self.namespace, entry) : slots.get(entry.slice(0, slash), entry.slice(slash + 1));
    edge("external-service", from, self).inbound ??= { kind: "requester", by: self.ref, source, field, index, entry };
  });
}
