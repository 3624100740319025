// What exists in a cluster, by label, across EVERY kind the server serves (found by discovery):
// used to prove "nothing is left behind" and to summarise what a stack created.
import type { KubeObject } from "../core/k8s/object";
import type { KubeClient } from "./client";

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** apiVersion → listable resources, from /api and /apis discovery (subresources excluded). */
async function listableKinds(client: KubeClient): Promise<{ apiVersion: string; kind: string }[]> {
  const groups = await client.request<{ groups: { preferredVersion: { groupVersion: string } }[] }>("GET", "/apis");
  const versions = ["v1", ...groups.groups.map((g) => g.preferredVersion.groupVersion)];
  const out: { apiVersion: string; kind: string }[] = [];
  await Promise.all(
    versions.map(async (gv) => {
      const res = await client.request<{ resources: ApiResource[] }>("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`);
      for (const r of res.resources) {
        if (!r.name.includes("/") && r.verbs.includes("list")) out.push({ apiVersion: gv, kind: r.kind });
      }
    }),
  );
  return out.sort((a, b) => `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`));
}

/** Every object in every namespace, of every listable kind, that matches the label selector. */
export async function listEverything(client: KubeClient, labelSelector: string): Promise<KubeObject[]> {
  const kinds = await listableKinds(client);
  const lists = await Promise.all(
    kinds.map(async (k) => {
      try {
        return await client.list(k.apiVersion, k.kind, { labelSelector });
      } catch {
        return []; // a kind the server lists in discovery but refuses to list (e.g. aggregated, forbidden)
      }
    }),
  );
  return lists.flat();
}
