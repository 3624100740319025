// The set-level compiler: everything `lattice render` prints for a set of documents. On top of the
// per-document compilers it checks what needs several documents (duplicate names, shared volume
// ownership), builds the agreement graph and adds one baseline per namespace. A set with any error
// compiles to nothing.
//
//   documents ──► graph (analyseDocuments) ──► duplicate names, volume ownership ──► errors? stop
//                   │                                           └──► COMPILERS[kind] per doc
//                   └─ each service's resolved peers ───────────────►  + baseline per namespace
//                                                                      ──► sorted objects
import { analyseDocuments, type Graph } from "../graph";
import type { KubeObject } from "../k8s/object";
import { keyOf } from "../k8s/object";
import {
  formatSource,
  sortSpecErrors,
  type LatticeDocument,
  type LatticeKind,
  type SourcedDocument,
  type SourceRef,
  type SpecError,
} from "../spec";
import { compileNamespaceBaseline } from "./baseline";
import { COMPILERS, type DocumentCompiler } from "./compilers";
import { SharedParts } from "./context";
import { resolveOptions, type CompileOptions, type ResolvedOptions } from "./options";
import { compareWithinRank, kindRank } from "./order";
import { namespaceOf } from "./service";

export type CompileAllResult =
  | { readonly ok: true; readonly objects: KubeObject[]; readonly graph: Graph }
  | { readonly ok: false; readonly errors: SpecError[]; readonly graph?: Graph };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSource(a: SourcedDocument, b: SourcedDocument): number {
  return a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : a.source.doc - b.source.doc;
}

/** A name already defined by an earlier document of its group. */
function duplicateName(
  d: SourcedDocument,
  ns: string,
  first: { readonly source: SourceRef; readonly kind: string },
): SpecError {
  return {
    ...d.source,
    path: "metadata.name",
    message: `${ns}/${d.doc.metadata.name} is already defined by ${formatSource(first.source)} (${first.kind}); names are unique per namespace`,
  };
}

/** Names must be unique per namespace among clusters (services and external services, which share
 * labels, are checked together by the graph). */
function duplicateClusterNames(clusters: readonly SourcedDocument[], opts: ResolvedOptions): SpecError[] {
  const first = new Map<string, SourcedDocument>();
  const errors: SpecError[] = [];
  for (const d of clusters) {
    const ns = namespaceOf(d.doc, opts.defaultNamespace);
    const k = `${ns}/${d.doc.metadata.name}`;
    const prev = first.get(k);
    if (prev) errors.push(duplicateName(d, ns, { source: prev.source, kind: prev.doc.kind }));
    else first.set(k, d);
  }
  return errors;
}

/** Exactly one owner per shared volume id and namespace; every consumer has one. */
function volumeErrors(graph: Graph): SpecError[] {
  const errors: SpecError[] = [];
  for (const v of graph.volumes) {
    const [owner, ...extra] = v.owners;
    if (!owner) {
      for (const c of v.consumers)
        errors.push({
          ...c.source,
          path: `spec.resources.${c.key}.id`,
          message: `no service in namespace ${v.namespace} owns volume ${v.id} (its owner declares the id with params.size; volumes are shared within one namespace)`,
        });
      continue;
    }
    for (const o of extra)
      errors.push({
        ...o.source,
        path: `spec.resources.${o.key}.params.size`,
        message: `volume ${v.id} in namespace ${v.namespace} is already owned by ${owner.service} (${formatSource(owner.source)}); a consumer declares the id without params.size`,
      });
  }
  return errors;
}

function compileOne(d: LatticeDocument, opts: ResolvedOptions, shared: SharedParts) {
  // The table is keyed by kind; the cast joins the union back to the entry for this kind.
  const compiler = COMPILERS[d.kind as LatticeKind] as DocumentCompiler<typeof d.kind>;
  return compiler(d as never, opts, shared);
}

/**
 * Compile a whole set of validated documents: every document's objects, one baseline per namespace
 * holding services, sorted. Errors (never exceptions) when documents disagree with each other.
 * The result does not depend on the order of `documents`.
 */
export function compileAll(documents: readonly SourcedDocument[], options: CompileOptions): CompileAllResult {
  const opts = resolveOptions(options);
  const docs = [...documents].sort(compareSource);
  const { graph, peers, defined, duplicates } = analyseDocuments(docs, opts);
  const clusters = docs.filter((d) => d.doc.kind === "LatticeCluster");
  const errors = [
    ...duplicates.map(({ doc, first }) => duplicateName(doc, first.namespace, first)),
    ...duplicateClusterNames(clusters, opts),
    ...volumeErrors(graph),
  ];
  if (errors.length > 0) return { ok: false, errors: sortSpecErrors(errors), graph };

  // Documents in name order (services as the graph ordered them, by "namespace/name"; then
  // clusters) and objects collected per kind: each kind's list is then usually in output order
  // already, which sortBucket checks in one pass.
  const nsOf = (d: SourcedDocument) => namespaceOf(d.doc, opts.defaultNamespace);
  clusters.sort(
    (a, b) => cmp(nsOf(a), nsOf(b)) || cmp(a.doc.metadata.name, b.doc.metadata.name) || compareSource(a, b),
  );
  const byName = [...defined, ...clusters].map((d) => ({ d, ns: nsOf(d) }));
  const buckets: KubeObject[][] = [];
  const collect = (o: KubeObject) => (buckets[kindRank(o.kind)] ??= []).push(o);
  const namespaces = new Set<string>();
  const shared = new SharedParts(opts.trustDomain, peers);
  // Indexed loops: this runs before V8 optimizes it, where for-of allocates per element.
  for (let i = 0; i < byName.length; i++) {
    const { d, ns } = byName[i] as (typeof byName)[number];
    const half = compileOne(d.doc, opts, shared);
    for (let k = 0; k < half.workload.length; k++) collect(half.workload[k] as KubeObject);
    for (let k = 0; k < half.policies.length; k++) collect(half.policies[k] as KubeObject);
    if (d.doc.kind !== "LatticeCluster") namespaces.add(ns);
  }
  for (const ns of [...namespaces].sort()) for (const o of compileNamespaceBaseline(ns, opts)) collect(o);

  const objects: KubeObject[] = [];
  for (const b of buckets) {
    if (!b) continue;
    const clash = sortBucket(b);
    // Names are derived so that distinct documents never collide; this guards that promise.
    if (clash)
      return {
        ok: false,
        errors: [
          {
            file: "<compile>",
            doc: 0,
            path: "",
            message: `two objects are both ${keyOf(clash)}: a naming defect in core/compile`,
          },
        ],
        graph,
      };
    for (let k = 0; k < b.length; k++) objects.push(b[k] as KubeObject);
  }
  return { ok: true, objects, graph };
}

/** Sort one kind rank's objects in output order (usually they already are: one pass checks) and
 * return an object whose key another one shares, if any. */
function sortBucket(b: KubeObject[]): KubeObject | undefined {
  for (let i = 1; i < b.length; i++) {
    const c = compareWithinRank(b[i - 1] as KubeObject, b[i] as KubeObject);
    if (c === 0) return b[i];
    if (c > 0) {
      b.sort(compareWithinRank);
      for (let k = 1; k < b.length; k++)
        if (compareWithinRank(b[k - 1] as KubeObject, b[k] as KubeObject) === 0) return b[k];
      return undefined;
    }
  }
  return undefined;
}
