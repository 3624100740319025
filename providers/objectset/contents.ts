// What a namespace holds besides Lattice's objects: read before Lattice deletes a namespace it
// created, which it does only when the answer is "nothing". Every namespaced kind the server lists
// is read (found by discovery, once per process and server).
import type { KubeObject } from "../../core/k8s/object";
import { LABELS, MANAGED_BY } from "../../core/compile/identity";
import type { KubeClient } from "../../kube/client";
import { describeObject } from "./ownership";

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const kindsByServer = new Map<string, Promise<{ apiVersion: string; kind: string }[]>>();

async function namespacedKinds(c: KubeClient): Promise<{ apiVersion: string; kind: string }[]> {
  const groups = await c.request<{ groups: { preferredVersion: { groupVersion: string } }[] }>("GET", "/apis");
  const versions = ["v1", ...groups.groups.map((g) => g.preferredVersion.groupVersion)];
  const out: { apiVersion: string; kind: string }[] = [];
  await Promise.all(
    versions.map(async (gv) => {
      const res = await c.request<{ resources: ApiResource[] }>("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`);
      for (const r of res.resources)
        if (r.namespaced && !r.name.includes("/") && r.verbs.includes("list"))
          out.push({ apiVersion: gv, kind: r.kind });
    }),
  );
  return out;
}

/** Kinds that come and go with other objects or with the namespace itself: never "something else". */
const INCIDENTAL_KINDS = new Set(["Event", "Endpoints", "EndpointSlice"]);

/**
 * True for an object that does not keep a namespace Lattice created alive: Lattice's own (its
 * label), one that belongs to another object (owner references: garbage-collected with it, and
 * that owner is counted itself), incidental kinds, and what the control plane puts in every
 * namespace (the "default" ServiceAccount, the "kube-root-ca.crt" ConfigMap).
 */
export function isIncidental(o: KubeObject): boolean {
  if (INCIDENTAL_KINDS.has(o.kind)) return true;
  if (o.metadata.labels?.[LABELS.managedBy] === MANAGED_BY) return true;
  if (((o.metadata as { ownerReferences?: unknown[] }).ownerReferences ?? []).length > 0) return true;
  if (o.kind === "ServiceAccount" && o.metadata.name === "default") return true;
  if (o.kind === "ConfigMap" && o.metadata.name === "kube-root-ca.crt") return true;
  return false;
}

/** The objects in `namespace` other than incidental ones, as "Kind/namespace/name", sorted. */
export async function foreignContents(c: KubeClient, namespace: string): Promise<string[]> {
  let kinds = kindsByServer.get(c.access.server);
  if (!kinds) {
    kinds = namespacedKinds(c);
    kindsByServer.set(c.access.server, kinds);
    kinds.catch(() => kindsByServer.delete(c.access.server));
  }
  // A kind that cannot be listed (an aggregated API down, forbidden) might hold anything: it counts.
  const lists = await Promise.all(
    (await kinds).map(async (k) => {
      try {
        return (await c.list(k.apiVersion, k.kind, { namespace })).filter((o) => !isIncidental(o)).map(describeObject);
      } catch (e) {
        return [`${k.kind} (${k.apiVersion}) could not be listed: ${(e as Error).message}`];
      }
    }),
  );
  return [...new Set(lists.flat())].sort();
}
