// Drift: how a live object differs from the document Lattice applied, judged on everything that can
// grant access. Pure: the providers read the live object (with its managedFields) and call these.
//   - Policy objects (Cilium and Istio kinds, the namespace baselines; POLICY_KINDS): ANY difference
//     in the body (everything but apiVersion, kind, metadata and status) is drift, including keys
//     added by hand. An allow-nothing AuthorizationPolicy (`spec: {}`) edited to `rules: [{}]`
//     allows everything; an extra `fromEntities: [world]` inside an existing Cilium rule opens it to
//     the internet. Projecting the live object onto the desired keys would miss both.
//   - Other objects Lattice owns (records, namespaces it created, workload kinds; OWNED_KINDS): the
//     fields Lattice set, plus any field another field manager added (read from managedFields),
//     except what the control plane's own controllers write (SYSTEM_MANAGERS) and finalizers and
//     owner references (lifecycle bookkeeping, which grants nothing).
//   - Everything else (Cluster API objects, which controllers write to by design, and a namespace
//     Lattice only joined): the fields Lattice set.
// Repair (repairPatch) turns what a forced apply cannot undo — fields other managers own that the
// document does not have — into a JSON patch guarded by the object's resourceVersion.
import type { KubeObject } from "../../core/k8s/object";
import { formatPath, hasPath, jsonPointer, mainEntries, ownedFields, ownersOfPath, valueAt } from "./fields";
import type { FieldPath } from "./fields";
import { createdByLattice, CREATOR_MANAGER, describeObject } from "./ownership";

/** Kinds whose whole body decides what traffic flows. */
export const POLICY_KINDS: ReadonlySet<string> = new Set([
  "CiliumNetworkPolicy",
  "CiliumClusterwideNetworkPolicy",
  "AuthorizationPolicy",
  "PeerAuthentication",
  "ServiceEntry",
  "Sidecar",
]);

/** Kinds Lattice writes for services (beside policies), judged on set fields plus others' additions. */
export const OWNED_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "ConfigMap",
  "Secret",
  "ServiceAccount",
  "Service",
  "Deployment",
  "PersistentVolumeClaim",
]);

/**
 * The control plane's own writers: what they add keeps objects working (a Deployment's revision
 * annotation, a claim's bound volume) and no person edits through them.
 */
export const SYSTEM_MANAGERS: ReadonlySet<string> = new Set([
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
]);

/** Metadata every writer may add without changing what the object grants. */
const BOOKKEEPING: readonly FieldPath[] = [
  ["metadata", "finalizers"],
  ["metadata", "ownerReferences"],
  ["metadata", "resourceVersion"],
  ["metadata", "generation"],
];

/** How an object is judged. */
export type DriftRule = "exact" | "owned" | "set";

export function driftRule(desired: KubeObject, live: KubeObject | undefined): DriftRule {
  if (POLICY_KINDS.has(desired.kind)) return "exact";
  if (desired.kind === "Namespace") return createdByLattice(live) ? "owned" : "set";
  return OWNED_KINDS.has(desired.kind) ? "owned" : "set";
}

/** One difference: where, what, and who owns the live field (when someone does). */
export interface Drift {
  path: FieldPath;
  /** added: only in the live object; missing: only in the document; changed: both, different. */
  change: "added" | "missing" | "changed";
  by: string[];
}

/** JSON with object keys sorted: equal values give equal strings. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const keysOf = (v: Record<string, unknown>) => Object.keys(v).filter((k) => v[k] !== undefined);

/**
 * The live value restricted to the shape of the desired one: for a mapping, only the desired keys
 * (recursively); for a list of the same length, element by element; otherwise the live value.
 * A missing live field projects to undefined, so it differs from a desired value.
 */
export function project(desired: unknown, live: unknown): unknown {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return live;
    return desired.map((d, i) => project(d, live[i]));
  }
  if (isMap(desired)) {
    if (!isMap(live)) return live;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(desired)) {
      const p = project(desired[k], live[k]);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return live;
}

/** Differences on the fields the document sets (what a projection sees). */
function setDifferences(desired: unknown, live: unknown, path: FieldPath, out: Drift[]): void {
  if (desired === undefined) return;
  if (live === undefined) {
    out.push({ path, change: "missing", by: [] });
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) out.push({ path, change: "changed", by: [] });
    else desired.forEach((d, i) => setDifferences(d, live[i], [...path, i], out));
    return;
  }
  if (isMap(desired)) {
    if (!isMap(live)) out.push({ path, change: "changed", by: [] });
    else for (const k of keysOf(desired)) setDifferences(desired[k], live[k], [...path, k], out);
    return;
  }
  if (canonical(desired) !== canonical(live)) out.push({ path, change: "changed", by: [] });
}

/** Every difference, added keys included. */
function exactDifferences(desired: unknown, live: unknown, path: FieldPath, out: Drift[]): void {
  if (desired === undefined && live === undefined) return;
  if (live === undefined) return void out.push({ path, change: "missing", by: [] });
  if (desired === undefined) return void out.push({ path, change: "added", by: [] });
  if (isMap(desired) && isMap(live)) {
    const keys = [...new Set([...keysOf(desired), ...keysOf(live)])].sort();
    for (const k of keys) exactDifferences(desired[k], live[k], [...path, k], out);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((d, i) => exactDifferences(d, live[i], [...path, i], out));
    return;
  }
  if (canonical(desired) !== canonical(live)) out.push({ path, change: "changed", by: [] });
}

const startsWith = (path: FieldPath, prefix: FieldPath) =>
  prefix.length <= path.length && prefix.every((s, i) => s === path[i]);

/**
 * Fields managers other than Lattice's added to the live object (within `scope`): a field the
 * document lacks is "added"; a whole value the document has (an atomic list or map someone
 * took over) that differs is "changed".
 */
function foreignAdditions(
  desired: KubeObject,
  live: KubeObject,
  isOurs: (manager: string) => boolean,
  scope: FieldPath,
  out: Drift[],
): void {
  for (const entry of mainEntries(live)) {
    const manager = entry.manager as string;
    if (isOurs(manager) || manager === CREATOR_MANAGER || SYSTEM_MANAGERS.has(manager)) continue;
    for (const f of ownedFields(entry.fieldsV1, live)) {
      if (!startsWith(f.path, scope) || BOOKKEEPING.some((b) => startsWith(f.path, b))) continue;
      if (!hasPath(desired, f.path)) out.push({ path: f.path, change: "added", by: [manager] });
      else if (f.whole) {
        const d = valueAt(desired, f.path);
        if (d && typeof d === "object" && canonical(d) !== canonical(valueAt(live, f.path)))
          out.push({ path: f.path, change: "changed", by: [manager] });
      }
    }
  }
}

/** The body of an object: every top-level field but its identity, metadata and status. */
export function bodyKeys(o: KubeObject): string[] {
  return Object.keys(o).filter((k) => !["apiVersion", "kind", "metadata", "status"].includes(k) && o[k] !== undefined);
}

/**
 * How the live object differs from the desired one (empty: in sync). `isOurs` tells Lattice's
 * own field manager(s) for this object from everyone else.
 */
export function driftOf(
  desired: KubeObject,
  live: KubeObject | undefined,
  isOurs: (manager: string) => boolean,
): Drift[] {
  if (!live) return [{ path: [], change: "missing", by: [] }];
  const rule = driftRule(desired, live);
  const found: Drift[] = [];
  if (rule === "exact") {
    for (const k of [...new Set([...bodyKeys(desired), ...bodyKeys(live)])].sort())
      exactDifferences(desired[k], live[k], [k], found);
    setDifferences(desired.metadata, live.metadata, ["metadata"], found);
  } else setDifferences(desired, live, [], found);
  if (rule !== "set") foreignAdditions(desired, live, isOurs, rule === "exact" ? ["metadata"] : [], found);
  // One entry per path, fields inside a reported one folded into it, and who owns each live field.
  const out: Drift[] = [];
  for (const d of found.sort((a, b) => a.path.length - b.path.length)) {
    if (out.some((o) => startsWith(d.path, o.path))) continue;
    out.push({ ...d, by: d.by.length || d.change === "missing" ? d.by : ownersOfPath(live, d.path) });
  }
  return out.sort((a, b) => (formatPath(a.path) < formatPath(b.path) ? -1 : 1));
}

/** One line per difference, for preview: "AuthorizationPolicy/ns/x: spec.rules added (by kubectl)". */
export function describeDrift(desired: KubeObject, drift: readonly Drift[]): string[] {
  const what = describeObject(desired);
  return drift.map((d) =>
    d.path.length === 0
      ? `${what}: missing from the cluster`
      : `${what}: ${formatPath(d.path)} ${d.change}${d.by.length ? ` (by ${d.by.join(", ")})` : ""}`,
  );
}

/** What a refresh records: the live object as the drift rule sees it (so a hand edit shows). */
export function observed(desired: KubeObject, live: KubeObject, isOurs: (manager: string) => boolean): KubeObject {
  const rule = driftRule(desired, live);
  if (rule === "exact") {
    const out: KubeObject = {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      metadata: project(desired.metadata, live.metadata) as KubeObject["metadata"],
    };
    for (const k of bodyKeys(live)) out[k] = live[k];
    return out;
  }
  if (rule === "set") return project(desired, live) as KubeObject;
  // Owned: the projection, widened to the fields others added.
  const shape = structuredClone(desired) as Record<string, unknown>;
  for (const d of driftOf(desired, live, isOurs)) if (d.change === "added") setAt(shape, d.path, valueAt(live, d.path));
  return project(shape, live) as KubeObject;
}

function setAt(target: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length - 1; i++) {
    const s = path[i] as string | number;
    const next = (node as Record<string | number, unknown>)[s];
    if (!next || typeof next !== "object") {
      (node as Record<string | number, unknown>)[s] = typeof path[i + 1] === "number" ? [] : {};
    }
    node = (node as Record<string | number, unknown>)[s] as Record<string, unknown>;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
}

/** A JSON patch operation (RFC 6902). */
export type PatchOp = { op: "remove"; path: string } | { op: "add" | "replace" | "test"; path: string; value: unknown };

/**
 * The JSON patch that makes `live` match `desired` where a server-side apply cannot (fields other
 * managers own and the document does not have), guarded by the live resourceVersion; empty when
 * nothing is left to repair. Removals run from the last list index down, so indices stay valid.
 */
export function repairPatch(desired: KubeObject, live: KubeObject, isOurs: (manager: string) => boolean): PatchOp[] {
  const ops: PatchOp[] = [];
  for (const d of driftOf(desired, live, isOurs)) {
    if (d.path.length === 0) continue;
    const path = jsonPointer(d.path);
    if (d.change === "added") ops.push({ op: "remove", path });
    else if (d.change === "missing") ops.push({ op: "add", path, value: valueAt(desired, d.path) });
    else ops.push({ op: "replace", path, value: valueAt(desired, d.path) });
  }
  if (!ops.length) return [];
  const order = (p: string) => p.split("/").map((s) => (/^\d+$/.test(s) ? s.padStart(10, "0") : s));
  ops.sort((a, b) => {
    if (a.op === "remove" && b.op === "remove") return order(b.path).join("/") < order(a.path).join("/") ? -1 : 1;
    return a.op === "remove" ? -1 : b.op === "remove" ? 1 : 0;
  });
  const rv = (live.metadata as { resourceVersion?: string }).resourceVersion;
  return [{ op: "test", path: "/metadata/resourceVersion", value: rv }, ...ops];
}

/** Keys of documents that differ between two keyed sets (added, removed or changed), sorted. */
export function changedKeys(
  olds: Readonly<Record<string, unknown>>,
  news: Readonly<Record<string, unknown>>,
): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => canonical(olds[k]) !== canonical(news[k])).sort();
}

/**
 * Apply order: namespaces and CRDs before the objects that live in them; deletion is the reverse.
 * Within a rank, by key, so runs are deterministic.
 */
export function applyOrder(keys: readonly string[], objects: Readonly<Record<string, KubeObject>>): string[] {
  const rank = (o: KubeObject) => (o.kind === "Namespace" ? 0 : o.kind === "CustomResourceDefinition" ? 1 : 2);
  return [...keys].sort((a, b) => rank(objects[a]!) - rank(objects[b]!) || (a < b ? -1 : a > b ? 1 : 0));
}
