// Which of a service's agreements are one-sided: it declares its half, the other side does not (or
// does not exist). Computed with the agreement graph over the declaration records of every stack
// in the cluster; a one-sided declaration is harmless for security (traffic is denied) but almost
// always a mistake, so Lattice reports it.
import { buildGraph, quoteDeclaration, declarationPath, type Declaration } from "../graph";
import { recordDocuments, type DeclarationRecord } from "./record";

/** One declaration of `self` (or about `self`) without its counterpart. */
export interface OneSided {
  /** "namespace/name" of the caller and the callee. */
  readonly from: string;
  readonly to: string;
  readonly type: "service" | "external-service";
  /** Which half is missing: the callee's inbound, the caller's outbound, or the whole other side. */
  readonly missing: "inbound" | "outbound" | "counterpart";
  /** A sentence for a warning. */
  readonly message: string;
}

function quote(d: Declaration): string {
  return `${declarationPath(d)} (${quoteDeclaration(d)})`;
}

/**
 * The one-sided agreements that involve `self` ("namespace/name"), given every record known
 * (the cluster's, with the current program's own records taking precedence). Sorted, deterministic.
 */
export function oneSidedAgreements(self: string, records: readonly DeclarationRecord[]): OneSided[] {
  return oneSidedAgreementsOf([self], records).get(self) ?? [];
}

/**
 * oneSidedAgreements for many services at once, from one graph of the records (a set of 1,000
 * services asks for all of them after each apply). Every service in `selves` has an entry.
 */
export function oneSidedAgreementsOf(
  selves: readonly string[],
  records: readonly DeclarationRecord[],
): Map<string, OneSided[]> {
  const docs = recordDocuments(records, (r) => `${r.namespace}/${r.name}`);
  const graph = buildGraph(docs, { defaultNamespace: "default" });
  const out = new Map<string, OneSided[]>(selves.map((s) => [s, []]));
  const add = (self: string, o: OneSided) => out.get(self)?.push(o);
  for (const e of graph.edges) {
    if (e.status === "bilateral" || (!out.has(e.from) && !out.has(e.to))) continue;
    let found: OneSided | undefined;
    if (e.status === "missing-inbound" && e.outbound) {
      const other =
        e.type === "service"
          ? `${e.to} does not declare ${e.from} inbound`
          : `${e.to} does not list ${e.from} in its allowed requesters`;
      found = {
        from: e.from,
        to: e.to,
        type: e.type,
        missing: "inbound",
        message: `${e.from} → ${e.to}: ${e.from} declares ${quote(e.outbound)} but ${other}; traffic is denied`,
      };
    } else if (e.status === "missing-outbound" && e.inbound) {
      found = {
        from: e.from,
        to: e.to,
        type: e.type,
        missing: "outbound",
        message: `${e.from} → ${e.to}: ${e.to} declares ${quote(e.inbound)} but ${e.from} does not declare it calls ${e.to}; traffic is denied`,
      };
    }
    if (!found) continue;
    add(e.from, found);
    if (e.to !== e.from) add(e.to, found);
  }
  for (const u of graph.unknown) {
    const self = u.declaration.by;
    if (!out.has(self)) continue;
    const outbound = u.declaration.kind === "resource" && u.declaration.decl.direction === "outbound";
    const [from, to] = outbound ? [self, u.target] : [u.target, self];
    const type =
      u.declaration.kind === "resource" && u.declaration.decl.type === "service" ? "service" : "external-service";
    add(self, {
      from,
      to,
      type,
      missing: "counterpart",
      message: `${from} → ${to}: ${self} declares ${quote(u.declaration)} but ${u.reason.replace("in the given documents", "in the cluster")}; traffic is denied`,
    });
  }
  for (const list of out.values()) list.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return out;
}
