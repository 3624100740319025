// Implementation of the object-set dynamic provider (loaded at run time by ./index.ts's shell):
// a keyed set of Kubernetes objects kept in a cluster by server-side apply with one field manager.
//   check   validates the documents (kind, name, key) and reports the property path of each problem
//   diff    compares old and new documents AND the live objects, so a hand edit shows up in preview
//   create  applies every document; a failure part-way records what was applied (init error)
//   read    projects the live objects onto the fields we set (refresh sees drift)
//   update  applies the new documents and prunes the ones no longer in the set
//   delete  removes exactly the objects this set applied, and only while our field manager owns them
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../../core/compile/identity";
import { keyOf, refOf, type KubeObject, type ObjectRef } from "../../core/k8s/object";
import { KubeError, type KubeClient } from "../../kube/client";
import { clientFor, liveObject, written } from "../session";
import { applyOrder, canonical, changedKeys, inSync, project } from "./drift";

/**
 * Objects carrying this label are shared by several sets (a namespace's baseline, which every
 * service in the namespace applies with its own field manager): removing one set releases its
 * ownership and deletes the object only when no other field manager owns it.
 */
export const SHARED_LABEL = LABELS.baseline;

/** The inputs (and state) of an object set. */
export interface ObjectSetInputs {
  /** Kubeconfig content (a Pulumi secret). */
  kubeconfig: string;
  /** The server-side apply field manager that owns these objects. */
  fieldManager: string;
  /** The documents, keyed by keyOf(object): "Kind/namespace/name". */
  objects: Record<string, KubeObject>;
}

type Failure = { property: string; reason: string };

/** Problems with the documents, each with its property path. */
export function validate(inputs: Partial<ObjectSetInputs>): Failure[] {
  const failures: Failure[] = [];
  if (typeof inputs.kubeconfig !== "string" || !inputs.kubeconfig)
    failures.push({ property: "kubeconfig", reason: "a kubeconfig is required" });
  if (typeof inputs.fieldManager !== "string" || !inputs.fieldManager)
    failures.push({ property: "fieldManager", reason: "a field manager is required" });
  for (const [key, obj] of Object.entries(inputs.objects ?? {})) {
    const at = `objects["${key}"]`;
    if (!obj || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string")
      failures.push({ property: at, reason: "apiVersion and kind are required" });
    else if (typeof obj.metadata?.name !== "string" || !obj.metadata.name)
      failures.push({ property: `${at}.metadata.name`, reason: "a name is required" });
    else if (keyOf(obj) !== key) failures.push({ property: at, reason: `the key must be "${keyOf(obj)}"` });
  }
  return failures;
}

/** An error that makes Pulumi record a partially created resource (ErrorResourceInitFailed). */
export class PartialApplyError<P = ObjectSetInputs> extends Error {
  constructor(
    readonly id: string,
    readonly properties: P,
    readonly reasons: string[],
  ) {
    super(reasons.join("; "));
  }
}

function describe(key: string, e: unknown): string {
  const err = e as { message?: string; causes?: { field?: string; message?: string }[] };
  const causes = (err.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`).join("; ");
  return `${key}: ${err.message ?? String(e)}${causes && !String(err.message).includes(causes) ? ` (${causes})` : ""}`;
}

async function withClient<T>(kubeconfig: string, fn: (c: KubeClient) => Promise<T>): Promise<T> {
  return fn(clientFor(kubeconfig)); // one client per kubeconfig for the process (see ../session.ts)
}

/** Apply the given keys in order; returns the keys applied before any failure, and the failure. */
export async function applyKeys(
  c: KubeClient,
  inputs: ObjectSetInputs,
  keys: string[],
): Promise<{ applied: string[]; error?: string }> {
  const applied: string[] = [];
  for (const key of applyOrder(keys, inputs.objects)) {
    try {
      await c.apply(inputs.objects[key]!, { fieldManager: inputs.fieldManager, force: true });
      written(c, refOf(inputs.objects[key]!));
      applied.push(key);
    } catch (e) {
      return { applied, error: describe(key, e) };
    }
  }
  return { applied };
}

/** The field managers of an object's main resource (status writers are not owners). */
function ownersOf(live: KubeObject): string[] {
  const entries = live.metadata.managedFields ?? [];
  return [...new Set(entries.filter((e) => !e.subresource && e.manager).map((e) => e.manager as string))];
}

/** Remove or release one object (see prune); retried when another writer changed it meanwhile. */
async function removeOne(
  c: KubeClient,
  fieldManager: string,
  ref: ObjectRef,
): Promise<"deleted" | "released" | "untouched"> {
  for (let attempt = 1; ; attempt++) {
    const live = await c.getOrUndefined(ref);
    if (!live) return "untouched";
    const owners = ownersOf(live);
    if (!owners.includes(fieldManager)) return "untouched"; // not ours (any more): never delete it
    const shared = live.metadata.labels?.[SHARED_LABEL] === "true";
    if (!shared || owners.every((m) => m === fieldManager)) {
      written(c, ref);
      return (await c.delete(ref)) ? "deleted" : "untouched";
    }
    // Release: drop our entries from managedFields (the others own the same fields with the same
    // values, so nothing else changes). Applying an empty object is the usual way, but CRDs that
    // require `spec` (CiliumNetworkPolicy) refuse it. resourceVersion makes the write conditional:
    // services sharing a baseline are often removed together, so a conflict is retried.
    const managedFields = (live.metadata.managedFields ?? []).filter((m) => m.manager !== fieldManager);
    const path = await c.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const patch = {
      metadata: { managedFields, resourceVersion: (live.metadata as { resourceVersion?: string }).resourceVersion },
    };
    try {
      written(c, ref);
      await c.request("PATCH", path, patch, "application/merge-patch+json");
      return "released";
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409) || attempt >= 10) throw e;
    }
  }
}

/**
 * Remove objects from the cluster, touching only what this set owns:
 *  - an object our field manager no longer manages is left alone (someone else took it over);
 *  - a shared object (SHARED_LABEL, e.g. a namespace baseline several services apply) that other
 *    field managers also own is released: our fields are dropped by applying an empty object, and
 *    the others keep it. It is deleted only when we are its last owner;
 *  - anything else we own is deleted.
 * Returns the keys deleted and released.
 */
export async function prune(
  c: KubeClient,
  fieldManager: string,
  objects: Record<string, KubeObject>,
  keys: string[],
): Promise<{ deleted: string[]; released: string[] }> {
  const deleted: string[] = [];
  const released: string[] = [];
  for (const key of applyOrder(keys, objects).reverse()) {
    const outcome = await removeOne(c, fieldManager, refOf(objects[key]!));
    if (outcome === "deleted") deleted.push(key);
    else if (outcome === "released") released.push(key);
  }
  return { deleted, released };
}

export async function check(
  _olds: ObjectSetInputs,
  news: ObjectSetInputs,
): Promise<pulumi.dynamic.CheckResult<ObjectSetInputs>> {
  const failures = validate(news);
  return failures.length ? { failures } : { inputs: news };
}

export async function diff(
  _id: string,
  olds: ObjectSetInputs,
  news: ObjectSetInputs,
): Promise<pulumi.dynamic.DiffResult> {
  if (olds.fieldManager !== news.fieldManager)
    return { changes: true, replaces: ["fieldManager"], deleteBeforeReplace: true };
  if (canonical(olds.kubeconfig) !== canonical(news.kubeconfig)) return { changes: true };
  if (changedKeys(olds.objects ?? {}, news.objects ?? {}).length > 0) return { changes: true };
  // Same documents: changed only if the cluster no longer holds them as we applied them.
  const drifted = await withClient(news.kubeconfig, async (c) => {
    for (const [key, obj] of Object.entries(news.objects ?? {})) {
      if (!inSync(obj, await liveObject(c, refOf(obj)))) return key;
    }
    return undefined;
  });
  return { changes: drifted !== undefined };
}

export async function create(inputs: ObjectSetInputs): Promise<pulumi.dynamic.CreateResult<ObjectSetInputs>> {
  const id = randomUUID();
  const result = await withClient(inputs.kubeconfig, (c) => applyKeys(c, inputs, Object.keys(inputs.objects)));
  if (result.error) {
    const partial = Object.fromEntries(result.applied.map((k) => [k, inputs.objects[k]!]));
    throw new PartialApplyError(id, { ...inputs, objects: partial }, [
      `applied ${result.applied.length} of ${Object.keys(inputs.objects).length} objects; ${result.error}`,
    ]);
  }
  return { id, outs: inputs };
}

export async function read(id: string, props: ObjectSetInputs): Promise<pulumi.dynamic.ReadResult<ObjectSetInputs>> {
  const objects = await withClient(props.kubeconfig, async (c) => {
    const out: Record<string, KubeObject> = {};
    for (const [key, obj] of Object.entries(props.objects ?? {})) {
      const live = await liveObject(c, refOf(obj));
      if (live) out[key] = project(obj, live) as KubeObject;
    }
    return out;
  });
  return { id, props: { ...props, objects } };
}

export async function update(
  id: string,
  olds: ObjectSetInputs,
  news: ObjectSetInputs,
): Promise<pulumi.dynamic.UpdateResult<ObjectSetInputs>> {
  return withClient(news.kubeconfig, async (c) => {
    const result = await applyKeys(c, news, Object.keys(news.objects));
    if (result.error) {
      // What we now hold: the old documents not yet replaced plus the new ones applied.
      const held = { ...olds.objects };
      for (const k of result.applied) held[k] = news.objects[k]!;
      throw new PartialApplyError(id, { ...news, objects: held }, [
        `applied ${result.applied.length} of ${Object.keys(news.objects).length} objects; ${result.error}`,
      ]);
    }
    const gone = Object.keys(olds.objects ?? {}).filter((k) => !(k in news.objects));
    await prune(c, news.fieldManager, olds.objects, gone);
    return { outs: news };
  });
}

async function remove(_id: string, props: ObjectSetInputs): Promise<void> {
  await withClient(props.kubeconfig, (c) =>
    prune(c, props.fieldManager, props.objects ?? {}, Object.keys(props.objects ?? {})),
  );
}
export { remove as delete };
