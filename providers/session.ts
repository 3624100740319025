// What the dynamic-provider process keeps between the calls of one engine operation. The engine
// calls check/diff/create/… once per resource, hundreds of times per `up`, all in this one process:
//   - one KubeClient per kubeconfig (one keep-alive TLS connection pool, not a handshake per call);
//   - LIST results for a short time, so that a hundred resources comparing their documents with the
//     cluster cost one LIST per kind and namespace instead of a GET each. Every write this process
//     makes through `written()` drops the cached lists of that kind and namespace, so a resource
//     never reads back a list older than its own writes.
import type { KubeObject, ObjectRef } from "../core/k8s/object";
import { KubeClient, type ListOptions } from "../kube/client";

const clients = new Map<string, KubeClient>();
const lists = new Map<string, { at: number; items: Promise<KubeObject[]> }>();
const TTL_MS = 2000;

/** The process's client for a kubeconfig (created on first use). */
export function clientFor(kubeconfig: string): KubeClient {
  let c = clients.get(kubeconfig);
  if (!c) {
    c = KubeClient.fromKubeconfig(kubeconfig);
    clients.set(kubeconfig, c);
  }
  return c;
}

function listKey(client: KubeClient, apiVersion: string, kind: string, opts: ListOptions): string {
  return [client.access.server, apiVersion, kind, opts.namespace ?? "", opts.labelSelector ?? ""].join("\u0000");
}

/** A LIST, served from a list this process made less than TTL_MS ago when there is one. */
export function listCached(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  opts: ListOptions = {},
): Promise<KubeObject[]> {
  const key = listKey(client, apiVersion, kind, opts);
  const hit = lists.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.items;
  const items = client.list(apiVersion, kind, opts);
  lists.set(key, { at: Date.now(), items });
  items.catch(() => lists.delete(key));
  return items;
}

/** The live object, read from a (cached) list of its kind in its namespace; undefined when absent. */
export async function liveObject(client: KubeClient, ref: ObjectRef): Promise<KubeObject | undefined> {
  const items = await listCached(client, ref.apiVersion, ref.kind, ref.namespace ? { namespace: ref.namespace } : {});
  return items.find(
    (o) => o.metadata.name === ref.name && (o.metadata.namespace ?? undefined) === (ref.namespace ?? undefined),
  );
}

/** Record a write: cached lists that could contain the object are dropped. */
export function written(client: KubeClient, ref: ObjectRef): void {
  for (const key of lists.keys()) {
    const [server, apiVersion, kind, namespace] = key.split("\u0000");
    if (
      server === client.access.server &&
      apiVersion === ref.apiVersion &&
      kind === ref.kind &&
      (namespace === "" || namespace === (ref.namespace ?? ""))
    )
      lists.delete(key);
  }
}

/**
 * Forget everything: what a new provider process starts with. The engine starts the provider
 * process for each operation, so caches never outlive one preview or update; tests that call the
 * implementation directly call this to stand for a new operation.
 */
export function resetSession(): void {
  for (const c of clients.values()) c.close();
  clients.clear();
  lists.clear();
}
