// Pure helpers of the object-set provider: canonical comparison of desired objects, and the
// projection of a live object onto the fields we set, which is how drift is seen: a field someone
// changed by hand shows up as a difference; fields the server or others add do not.
import type { KubeObject } from "../../core/k8s/object";

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
  if (desired && typeof desired === "object") {
    if (!live || typeof live !== "object" || Array.isArray(live)) return live;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(desired)) {
      const p = project((desired as Record<string, unknown>)[k], (live as Record<string, unknown>)[k]);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return live;
}

/** Keys of documents that differ between two keyed sets (added, removed or changed), sorted. */
export function changedKeys(
  olds: Readonly<Record<string, unknown>>,
  news: Readonly<Record<string, unknown>>,
): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => canonical(olds[k]) !== canonical(news[k])).sort();
}

/** True when the live object still holds every field of the desired one, as desired. */
export function inSync(desired: KubeObject, live: KubeObject | undefined): boolean {
  return live !== undefined && canonical(project(desired, live)) === canonical(desired);
}

/**
 * Apply order: namespaces and CRDs before the objects that live in them; deletion is the reverse.
 * Within a rank, by key, so runs are deterministic.
 */
export function applyOrder(keys: readonly string[], objects: Readonly<Record<string, KubeObject>>): string[] {
  const rank = (o: KubeObject) => (o.kind === "Namespace" ? 0 : o.kind === "CustomResourceDefinition" ? 1 : 2);
  return [...keys].sort((a, b) => rank(objects[a]!) - rank(objects[b]!) || (a < b ? -1 : a > b ? 1 : 0));
}
