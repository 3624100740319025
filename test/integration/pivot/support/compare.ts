// Comparing two moved namespaces (clusterctl's and lattice's), and a world with the oracle's result.
import type { KubeObject } from "../../../../core/k8s/object";
import { canonicalJson, finalizersOf, normalise } from "../../../../core/pivot/normalise";

/**
 * Normalised content by "Kind/name", with the namespace left out wherever it appears (the fixture's
 * labels name its namespace, and two namespaces hold the same fixture).
 */
export function normalisedByName(objs: readonly KubeObject[]): Map<string, string> {
  return new Map(
    objs.map((o) => {
      const n = normalise(o);
      const text = canonicalJson({ ...n, finalizers: [...finalizersOf(o)].sort() });
      return [`${o.kind}/${o.metadata.name}`, text.split(JSON.stringify(o.metadata.namespace)).join('"<namespace>"')];
    }),
  );
}

/** Keys differing between two maps: only in a, only in b, or with different values. */
export function mapDiff(
  a: Map<string, string>,
  b: Map<string, string>,
): { onlyA: string[]; onlyB: string[]; differ: string[] } {
  return {
    onlyA: [...a.keys()].filter((k) => !b.has(k)).sort(),
    onlyB: [...b.keys()].filter((k) => !a.has(k)).sort(),
    differ: [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).sort(),
  };
}

/** Label and annotation keys per "Kind/name" that `objs` carry and `other` (by name) lacks. */
export function extraMetadataKeys(objs: readonly KubeObject[], other: readonly KubeObject[]): string[] {
  const byName = new Map(other.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const out: string[] = [];
  for (const o of objs) {
    const p = byName.get(`${o.kind}/${o.metadata.name}`);
    for (const [field, mine, theirs] of [
      ["label", o.metadata.labels ?? {}, p?.metadata.labels ?? {}],
      ["annotation", o.metadata.annotations ?? {}, p?.metadata.annotations ?? {}],
    ] as const)
      for (const k of Object.keys(mine)) if (!(k in theirs)) out.push(`${o.kind}/${o.metadata.name} ${field} ${k}`);
  }
  return out.sort();
}

/** managedFields entries of movers ("Kind/name: manager"). */
export function moverManagers(objs: readonly KubeObject[], managers = ["clusterctl", "lattice-pivot"]): string[] {
  return objs.flatMap((o) =>
    (o.metadata.managedFields ?? [])
      .filter((m) => managers.includes(m.manager ?? ""))
      .map((m) => `${o.kind}/${o.metadata.name}: ${m.manager}`),
  );
}

/** Objects that carry a status (a move copies none). */
export const withStatus = (objs: readonly KubeObject[]): string[] =>
  objs.filter((o) => o.status && Object.keys(o.status as object).length).map((o) => `${o.kind}/${o.metadata.name}`);
