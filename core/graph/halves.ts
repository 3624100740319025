// Declarations → edges by sorting, not by lookup. Each service or external-service declaration is
// one half of an edge from → to (the caller's outbound half, the callee's inbound half, or an
// external service's allowed requester). They are collected in document order, then grouped by
// source slot (a counting sort on slot numbers) and, within a source, ordered by target (a stable
// sort of a handful). Equal neighbours are the two halves of one edge, and the edges come out in
// output order, with each service's peers already sorted: no map per slot, no sort of all edges.
import type { Declaration, Edge, EdgeType } from "./model";
import type { Slot } from "./slots";

/** An edge while the graph is built: a missing half is undefined. */
export interface MutableEdge {
  from: string;
  to: string;
  type: EdgeType;
  status: Edge["status"];
  outbound: Declaration | undefined;
  inbound: Declaration | undefined;
}

const EXTERNAL = 1;
const INBOUND = 2;

/** Every half declared, in document order. */
export class Halves {
  private readonly from: Slot[] = [];
  private readonly to: Slot[] = [];
  private readonly flags: number[] = [];
  private readonly decl: Declaration[] = [];

  /** `external`: an edge to an external service; `inbound`: the callee's (or requester list's) half. */
  add(from: Slot, to: Slot, external: boolean, inbound: boolean, d: Declaration): void {
    this.from.push(from);
    this.to.push(to);
    this.flags.push((external ? EXTERNAL : 0) | (inbound ? INBOUND : 0));
    this.decl.push(d);
  }

  /**
   * The edges, ordered by source slot, then target slot, an external-service edge before a service
   * edge between the same two slots; with `froms`/`tos` (the slots of edge i). The first
   * declaration of each half counts. Also sets every slot's callees and callers (service edges).
   * Slots must be numbered.
   */
  merge(slotCount: number): { edges: MutableEdge[]; froms: Slot[]; tos: Slot[] } {
    // Locals, not this.x: these loops run once, mostly before V8 optimizes them, where every
    // property read is a call.
    const fromOf = this.from;
    const toOf = this.to;
    const flags = this.flags;
    const decl = this.decl;
    const n = fromOf.length;
    // Group by source slot, keeping document order within a group.
    const start = new Int32Array(slotCount + 1);
    for (let i = 0; i < n; i++) {
      const f = (fromOf[i] as Slot).order + 1;
      start[f] = (start[f] as number) + 1;
    }
    for (let s = 0; s < slotCount; s++) start[s + 1] = (start[s + 1] as number) + (start[s] as number);
    const next = start.slice(0, slotCount);
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const f = (fromOf[i] as Slot).order;
      const at = next[f] as number;
      next[f] = at + 1;
      perm[at] = i;
    }
    // Within a group, by target and type (stable: ties keep document order).
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) key[i] = (toOf[i] as Slot).order * 2 + ((flags[i] as number) & EXTERNAL ? 0 : 1);
    for (let s = 0; s < slotCount; s++) sortRun(perm, start[s] as number, start[s + 1] as number, key);

    const edges: MutableEdge[] = [];
    const froms: Slot[] = [];
    const tos: Slot[] = [];
    for (let i = 0; i < n;) {
      const first = perm[i] as number;
      const from = fromOf[first] as Slot;
      const to = toOf[first] as Slot;
      const k = key[first] as number;
      let outbound: Declaration | undefined;
      let inbound: Declaration | undefined;
      let j = i;
      for (; j < n && fromOf[perm[j] as number] === from && key[perm[j] as number] === k; j++) {
        const d = perm[j] as number;
        if ((flags[d] as number) & INBOUND) inbound ??= decl[d];
        else outbound ??= decl[d];
      }
      i = j;
      const external = ((flags[first] as number) & EXTERNAL) !== 0;
      edges.push({
        from: from.ref,
        to: to.ref,
        type: external ? "external-service" : "service",
        status: "bilateral",
        outbound,
        inbound,
      });
      froms.push(from);
      tos.push(to);
      if (external) continue;
      // Pushed in (source, target) order, so both lists come out sorted by slot number = by ref.
      if (outbound) (from.callees ??= []).push(to);
      if (inbound) (to.callers ??= []).push(from);
    }
    return { edges, froms, tos };
  }
}

/** Stable sort of perm[lo, hi) by key: insertion sort for the usual handful, else the builtin. */
function sortRun(perm: Int32Array, lo: number, hi: number, key: Float64Array): void {
  if (hi - lo < 2) return;
  if (hi - lo > 32) {
    const run = Array.from(perm.subarray(lo, hi)).sort((a, b) => (key[a] as number) - (key[b] as number) || a - b);
    perm.set(run, lo);
    return;
  }
  for (let k = lo + 1; k < hi; k++) {
    const v = perm[k] as number;
    const kv = key[v] as number;
    let j = k - 1;
    while (j >= lo && (key[perm[j] as number] as number) > kv) {
      perm[j + 1] = perm[j] as number;
      j--;
    }
    perm[j + 1] = v;
  }
}
