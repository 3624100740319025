// Every service named anywhere in a set (defined, or only named by a declaration) gets one slot,
// looked up by namespace, then name: no "namespace/name" string is built per declaration.
import type { SourcedDocument } from "../spec";
import type { GraphNode, PeerRef } from "./model";

// Every field of a slot is set when it is created (to undefined if need be): objects of one shape
// keep V8's property access monomorphic, which matters at 100,000 declarations.

/** A service named somewhere: a node when a document defines it. */
export interface Slot extends PeerRef {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  node: GraphNode | undefined;
  /** The document that defines it (the node's), if any. */
  definedBy: SourcedDocument | undefined;
  /** Its place in ref order (set once every slot exists). */
  order: number;
  /** The services its own document declares outbound and inbound, each once, in ref order. */
  callees: Slot[] | undefined;
  callers: Slot[] | undefined;
}

export class Slots {
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
        definedBy: undefined,
        order: 0,
        callees: undefined,
        callers: undefined,
      };
      names.set(name, s);
      this.all.push(s);
    }
    return s;
  }

  /** Number every slot in ref order; returns them in that order. */
  number(): Slot[] {
    const ordered = [...this.all].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
    for (let i = 0; i < ordered.length; i++) (ordered[i] as Slot).order = i;
    return ordered;
  }
}
