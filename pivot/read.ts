// Reading one side: objects of plan entries (one list per kind instead of a GET per object), an
// API identity, CRD storage versions. Shared by the source and the direct target.
import type { KubeObject } from "../core/k8s/object";
import { keyOf, identityOf, type PlanEntry } from "../core/pivot/model";
import { isNotFound, type KubeClient } from "../kube/client";
import { PARALLEL, inOrder } from "./pool";

/** The API identity of a cluster: the UID of its kube-system Namespace (stable, cheap). */
export async function apiIdentity(kube: KubeClient): Promise<string> {
  const ns = await kube.get({ apiVersion: "v1", kind: "Namespace", name: "kube-system" });
  return uidOf(ns);
}

/** List a kind in a namespace (all namespaces for a cluster-scoped kind); empty when the kind is not served. */
export async function listKind(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
  namespace?: string,
  labelSelector?: string,
): Promise<KubeObject[]> {
  try {
    return await kube.list(apiVersion, kind, {
      ...(namespace ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
    });
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/** The live objects with the entries' identities, by plan key (one list per kind and namespace). */
export async function readEntries(kube: KubeClient, entries: readonly PlanEntry[]): Promise<Map<string, KubeObject>> {
  const lists = new Map<string, { apiVersion: string; kind: string; namespace?: string }>();
  for (const e of entries) {
    const k = `${e.apiVersion}|${e.kind}|${e.namespace ?? ""}`;
    if (!lists.has(k))
      lists.set(k, { apiVersion: e.apiVersion, kind: e.kind, ...(e.namespace ? { namespace: e.namespace } : {}) });
  }
  const wanted = new Set(entries.map((e) => keyOf(e)));
  const out = new Map<string, KubeObject>();
  const results = await inOrder([...lists.values()], PARALLEL, (l) =>
    listKind(kube, l.apiVersion, l.kind, l.namespace),
  );
  for (const list of results)
    for (const o of list) {
      const key = keyOf(identityOf(o));
      if (wanted.has(key)) out.set(key, o);
    }
  return out;
}

/** Every object of the listed kinds in a namespace (for strays and snapshots), by plan key. */
export async function readKinds(
  kube: KubeClient,
  kinds: ReadonlyArray<{ apiVersion: string; kind: string; namespaced: boolean }>,
  namespace: string,
  labelSelector?: string,
): Promise<KubeObject[]> {
  const lists = await inOrder(kinds, PARALLEL, (k) =>
    listKind(kube, k.apiVersion, k.kind, k.namespaced ? namespace : undefined, labelSelector),
  );
  return lists.flat();
}

/** Storage version of each CRD by "group/Kind", for the given CRD names ("<plural>.<group>"). */
export async function crdStorageVersions(
  kube: KubeClient,
  crds: ReadonlyArray<{ name: string; groupKind: string }>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await inOrder(crds, PARALLEL, async (c) => {
    const crd = await kube.getOrUndefined({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: c.name,
    });
    const version = (
      crd?.spec as { versions?: { name: string; storage?: boolean; served?: boolean }[] } | undefined
    )?.versions?.find((v) => v.storage && v.served !== false)?.name;
    if (version) out.set(c.groupKind, version);
  });
  return out;
}

/** The UID of an object. */
export const uidOf = (o: KubeObject): string => (o.metadata as { uid?: string }).uid ?? "";

/** JSON Pointer escaping of one path segment (RFC 6901). */
export const pointer = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");
