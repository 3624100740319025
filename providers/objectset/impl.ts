// Implementation of the object-set dynamic provider (loaded at run time by ./index.ts's shell):
// a keyed set of Kubernetes objects kept in a cluster by server-side apply with one field manager.
// Every object goes through the one apply/remove path of ./apply.ts (ownership: ./ownership.ts).
//   check   validates the documents (kind, name, key) and reports the property path of each problem
//   diff    compares old and new documents AND the live objects (./drift.ts: for policy kinds any
//           difference in the body, for others the fields set plus what other managers added), so
//           a hand edit shows up in preview, named object by object and field by field on stderr
//   create  applies every document, after checking that none is someone else's (nothing is
//           applied when one is refused); a failure part-way records what was applied
//   read    records the live objects as drift sees them (refresh shows a hand edit)
//   update  applies the new documents (repairing drift) and prunes the ones no longer in the set
//   delete  removes exactly the objects this set applied: the UID it recorded, while our field
//           manager owns them; a namespace only if Lattice created it and it holds nothing else
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../../core/compile/identity";
import { keyOf, refOf, type KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { clientFor, liveObject } from "../session";
import { applyObject, OwnershipError, planAll, removeObject, say } from "./apply";
import { applyOrder, canonical, changedKeys, describeDrift, driftOf, observed } from "./drift";
import { ownershipOf, uidOf } from "./ownership";

/**
 * Objects carrying this label are shared by several sets (a namespace's baseline, which every
 * member of the namespace applies): removing one set deletes it only when no other Lattice set
 * manages it too (else releases it), and a copy another member re-created is still Lattice's.
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
  /** Take over existing objects Lattice did not create (the document's lattice.dev/adopt). */
  adopt?: boolean;
  /** State only: the UID of each object as applied, keyed like objects (deletes require it). */
  uids?: Record<string, string>;
}

type Failure = { property: string; reason: string };

/** Problems with the documents, each with its property path. */
export function validate(inputs: Partial<ObjectSetInputs>): Failure[] {
  const failures: Failure[] = [];
  if (typeof inputs.kubeconfig !== "string" || !inputs.kubeconfig)
    failures.push({ property: "kubeconfig", reason: "a kubeconfig is required" });
  if (typeof inputs.fieldManager !== "string" || !inputs.fieldManager)
    failures.push({ property: "fieldManager", reason: "a field manager is required" });
  if (inputs.adopt !== undefined && typeof inputs.adopt !== "boolean")
    failures.push({ property: "adopt", reason: "expected true or false" });
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

/**
 * Run an object-set step of a provider whose state wraps object sets (membership, policy): a
 * partial apply is re-thrown with the provider's own state, `wrap` saying where the set's
 * objects and UIDs go, so Pulumi records that provider's state, not a bare object set.
 */
export async function within<T, P>(step: () => Promise<T>, wrap: (set: ObjectSetInputs) => P): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof PartialApplyError)
      throw new PartialApplyError<P>(e.id, wrap(e.properties as ObjectSetInputs), e.reasons);
    throw e;
  }
}

function describe(key: string, e: unknown): string {
  if (e instanceof OwnershipError) return e.message;
  const err = e as { message?: string; causes?: { field?: string; message?: string }[] };
  const causes = (err.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`).join("; ");
  return `${key}: ${err.message ?? String(e)}${causes && !String(err.message).includes(causes) ? ` (${causes})` : ""}`;
}

async function withClient<T>(kubeconfig: string, fn: (c: KubeClient) => Promise<T>): Promise<T> {
  return fn(clientFor(kubeconfig)); // one client per kubeconfig for the process (see ../session.ts)
}

/** What applying keys did: the keys applied before any failure, their UIDs, and the failure. */
export interface Applied {
  applied: string[];
  uids: Record<string, string>;
  error?: string;
}

/** The live objects of a set, by key, each read with a fresh GET, in parallel (undefined: absent). */
export async function readLive(
  c: KubeClient,
  objects: Readonly<Record<string, KubeObject>>,
): Promise<Record<string, KubeObject | undefined>> {
  const keys = Object.keys(objects);
  const lives = await Promise.all(keys.map((k) => c.getOrUndefined(refOf(objects[k]!))));
  return Object.fromEntries(keys.map((k, i) => [k, lives[i]]));
}

const targetsOf = (inputs: ObjectSetInputs, keys: string[], lives: Readonly<Record<string, KubeObject | undefined>>) =>
  applyOrder(keys, inputs.objects).map((key) => {
    const desired = inputs.objects[key]!;
    return { key, desired, shared: desired.metadata.labels?.[SHARED_LABEL] === "true", live: lives[key] };
  });

/** Why applying the set would take an object that is not Lattice's (empty: nothing refused). */
export function refusalsOf(inputs: ObjectSetInputs, lives: Readonly<Record<string, KubeObject | undefined>>): string[] {
  const targets = targetsOf(inputs, Object.keys(inputs.objects ?? {}), lives);
  return planAll(targets, { fieldManager: inputs.fieldManager, adopt: !!inputs.adopt }).refusals;
}

/**
 * Apply the given keys: namespaces, then CRDs, then everything else (applyOrder). Every object's
 * ownership is checked first, on a fresh GET (`lives`, when the caller read them already; a cached
 * LIST would be dropped by every write of the same kind during an `up`, and re-listing a namespace
 * of a hundred policies costs far more): if any is someone else's, nothing is applied and the error
 * names every one. `sideBySide`: the objects of one rank are applied concurrently (independent
 * policies and records; one round trip instead of several); otherwise one after another, in key
 * order (Cluster API objects, whose webhooks may read each other). A failure stops before the next
 * rank, or the next object.
 */
export async function applyKeys(
  c: KubeClient,
  inputs: ObjectSetInputs,
  keys: string[],
  lives?: Readonly<Record<string, KubeObject | undefined>>,
  sideBySide = false,
): Promise<Applied> {
  const read = lives ?? (await readLive(c, Object.fromEntries(keys.map((k) => [k, inputs.objects[k]!]))));
  const targets = targetsOf(inputs, keys, read);
  const opts = { fieldManager: inputs.fieldManager, adopt: !!inputs.adopt };
  const { plans, refusals } = planAll(targets, opts);
  if (refusals.length) return { applied: [], uids: {}, error: refusals.join("; ") };
  const applied: string[] = [];
  const uids: Record<string, string> = {};
  const rank = (kind: string) => (kind === "Namespace" ? 0 : kind === "CustomResourceDefinition" ? 1 : 2);
  for (let from = 0; from < targets.length;) {
    let to = from;
    while (
      to < targets.length &&
      (to === from || (sideBySide && rank(targets[to]!.desired.kind) === rank(targets[from]!.desired.kind)))
    )
      to++;
    const group = targets.slice(from, to);
    const results = await Promise.allSettled(group.map((t, i) => applyObject(c, t.desired, plans[from + i]!, opts)));
    let error: string | undefined;
    results.forEach((r, i) => {
      const t = group[i]!;
      if (r.status === "rejected") error ??= describe(t.key, r.reason);
      else {
        applied.push(t.key);
        const uid = uidOf(r.value);
        if (uid) uids[t.key] = uid;
      }
    });
    if (error) return { applied, uids, error };
    from = to;
  }
  return { applied, uids };
}

/**
 * Remove objects from the cluster, touching only what this set owns (see ./ownership.ts
 * planRemove): an object our field manager no longer manages, or one re-created since it was
 * applied (its UID differs from `uids`), is left alone with a warning; a shared object (SHARED_LABEL)
 * other Lattice sets also manage is released; a namespace is deleted only if Lattice created it and
 * it holds nothing else. Returns the keys deleted and released.
 */
export async function prune(
  c: KubeClient,
  fieldManager: string,
  objects: Record<string, KubeObject>,
  keys: string[],
  uids: Record<string, string> = {},
): Promise<{ deleted: string[]; released: string[] }> {
  const deleted: string[] = [];
  const released: string[] = [];
  for (const key of applyOrder(keys, objects).reverse()) {
    const obj = objects[key]!;
    const shared = obj.metadata.labels?.[SHARED_LABEL] === "true";
    const outcome = await removeObject(c, refOf(obj), fieldManager, uids[key], shared);
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

/**
 * The differences between the documents and the cluster, one line per object and field (empty:
 * in sync). An object someone else holds under one of our names is named too.
 */
export async function driftLines(c: KubeClient, inputs: ObjectSetInputs): Promise<string[]> {
  const isOurs = (m: string) => m === inputs.fieldManager;
  const lines: string[] = [];
  for (const key of applyOrder(Object.keys(inputs.objects ?? {}), inputs.objects ?? {})) {
    const desired = inputs.objects[key]!;
    const live = await liveObject(c, refOf(desired));
    const o = ownershipOf(live, inputs.fieldManager);
    if (o.state === "foreign" && desired.kind !== "Namespace")
      lines.push(`${key}: exists but is not Lattice's (managed by ${o.managers.join(", ") || "nobody on record"})`);
    else lines.push(...describeDrift(desired, driftOf(desired, live, isOurs)));
  }
  return lines;
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
  const lines = await withClient(news.kubeconfig, (c) => driftLines(c, news));
  for (const line of lines) say(`drift: ${line}`);
  return { changes: lines.length > 0 };
}

/** Create (`lives`: the live objects when the caller read them already, see readLive). */
export async function create(
  inputs: ObjectSetInputs,
  lives?: Readonly<Record<string, KubeObject | undefined>>,
): Promise<pulumi.dynamic.CreateResult<ObjectSetInputs>> {
  const id = randomUUID();
  const result = await withClient(inputs.kubeconfig, (c) =>
    applyKeys(c, inputs, Object.keys(inputs.objects), lives, true),
  );
  if (result.error) {
    // Nothing applied (a refusal, or the first object failed): no resource to record, just the error.
    if (result.applied.length === 0) throw new Error(result.error);
    const partial = Object.fromEntries(result.applied.map((k) => [k, inputs.objects[k]!]));
    throw new PartialApplyError(id, { ...inputs, objects: partial, uids: result.uids }, [
      `applied ${result.applied.length} of ${Object.keys(inputs.objects).length} objects; ${result.error}`,
    ]);
  }
  return { id, outs: { ...inputs, uids: result.uids } };
}

export async function read(id: string, props: ObjectSetInputs): Promise<pulumi.dynamic.ReadResult<ObjectSetInputs>> {
  const isOurs = (m: string) => m === props.fieldManager;
  const objects = await withClient(props.kubeconfig, async (c) => {
    const out: Record<string, KubeObject> = {};
    for (const [key, obj] of Object.entries(props.objects ?? {})) {
      const live = await liveObject(c, refOf(obj));
      if (live) out[key] = observed(obj, live, isOurs);
    }
    return out;
  });
  return { id, props: { ...props, objects } };
}

/** Update (`lives`: the live objects when the caller read them already, see readLive). */
export async function update(
  id: string,
  olds: ObjectSetInputs,
  news: ObjectSetInputs,
  lives?: Readonly<Record<string, KubeObject | undefined>>,
): Promise<pulumi.dynamic.UpdateResult<ObjectSetInputs>> {
  return withClient(news.kubeconfig, async (c) => {
    const result = await applyKeys(c, news, Object.keys(news.objects), lives, true);
    const uids = { ...olds.uids, ...result.uids };
    if (result.error) {
      // What we now hold: the old documents not yet replaced plus the new ones applied.
      const held = { ...olds.objects };
      for (const k of result.applied) held[k] = news.objects[k]!;
      throw new PartialApplyError(id, { ...news, objects: held, uids }, [
        `applied ${result.applied.length} of ${Object.keys(news.objects).length} objects; ${result.error}`,
      ]);
    }
    const gone = Object.keys(olds.objects ?? {}).filter((k) => !(k in news.objects));
    await prune(c, news.fieldManager, olds.objects, gone, olds.uids);
    for (const k of gone) delete uids[k];
    return { outs: { ...news, uids } };
  });
}

async function remove(_id: string, props: ObjectSetInputs): Promise<void> {
  await withClient(props.kubeconfig, (c) =>
    prune(c, props.fieldManager, props.objects ?? {}, Object.keys(props.objects ?? {}), props.uids),
  );
}
export { remove as delete };
