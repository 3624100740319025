// The live side of a service set: the objects of its kinds in its namespaces, read with one LIST per
// kind and namespace (not a GET per object: a set of 1,000 services holds ~7,000 objects) and
// looked up by key. Lists come from the operation's session cache (../session.ts), which every
// write through the apply path invalidates, so a read after a write is fresh.
import { keyOf, type KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { listCached } from "../session";

/** Live objects by key ("Kind/namespace/name"). */
export type LiveIndex = ReadonlyMap<string, KubeObject>;

/** Read every (apiVersion, kind, namespace) the given objects live in; index the results by key. */
export async function readLive(c: KubeClient, objects: Iterable<KubeObject>): Promise<Map<string, KubeObject>> {
  const lists = new Map<string, { apiVersion: string; kind: string; namespace?: string }>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const k = `${o.apiVersion}\u0000${o.kind}\u0000${ns ?? ""}`;
    if (!lists.has(k)) lists.set(k, { apiVersion: o.apiVersion, kind: o.kind, ...(ns ? { namespace: ns } : {}) });
  }
  const index = new Map<string, KubeObject>();
  await Promise.all(
    [...lists.values()].map(async (l) => {
      let items: KubeObject[];
      try {
        items = await listCached(c, l.apiVersion, l.kind, l.namespace ? { namespace: l.namespace } : {});
      } catch (e) {
        // A namespace that does not exist yet lists as empty; a kind the server does not serve is an error.
        if ((e as { status?: number }).status === 404 && l.namespace) return;
        throw e;
      }
      for (const o of items) index.set(keyOf(o), o); // the client puts apiVersion and kind back on items
    }),
  );
  return index;
}

/** Run `fn` over `items`, at most `limit` at a time; results in order. The first failure is thrown
 * after the running ones finish (none is left half-awaited). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.e;
  return out;
}
