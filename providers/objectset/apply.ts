// The one path by which Lattice's providers write and remove a Kubernetes object, per object, so
// any provider (an object set today, a per-service resource tomorrow) can call it:
//   applyObject   plan (./ownership.ts) → create, apply with force, adopt or join, or refuse; then
//                 repair what a forced apply cannot (fields others added: ./drift.ts repairPatch)
//   removeObject  plan → delete with the recorded UID as precondition, delete a namespace Lattice
//                 created only when it holds nothing else, release a shared object, or leave it
// Notes (joins, adoptions, objects left in place) go to stderr, which the engine shows.
import type { KubeObject, ObjectRef } from "../../core/k8s/object";
import { refOf } from "../../core/k8s/object";
import { KubeError, type KubeClient } from "../../kube/client";
import { written } from "../session";
import { foreignContents } from "./contents";
import { repairPatch } from "./drift";
import {
  CREATED_ANNOTATION,
  CREATOR_MANAGER,
  describeObject,
  planApply,
  planRemove,
  uidOf,
  type ApplyPlan,
} from "./ownership";

/** A refusal to take or touch an object Lattice does not own; its message says what to do. */
export class OwnershipError extends Error {
  override readonly name = "OwnershipError";
}

/** A line on stderr, which the engine shows under the resource (preview and up). */
export function say(message: string): void {
  console.error(`Lattice: ${message}`);
}

export interface ApplyObjectOptions {
  fieldManager: string;
  /** The document opts in to adopting an existing object Lattice did not create. */
  adopt?: boolean;
}

/** The plan for each desired object, or the refusals (all of them, so one run names every one). */
export function planAll(
  objects: readonly { desired: KubeObject; live: KubeObject | undefined; shared?: boolean }[],
  opts: ApplyObjectOptions,
): { plans: ApplyPlan[]; refusals: string[] } {
  const plans = objects.map((o) => planApply(o.desired, o.live, opts.fieldManager, !!opts.adopt, !!o.shared));
  const refusals = plans.flatMap((p) => (p.action === "refuse" ? [p.error] : []));
  return { plans, refusals };
}

const isConflict = (e: unknown) => e instanceof KubeError && e.status === 409;
const isInvalid = (e: unknown) => e instanceof KubeError && e.status === 422;

/**
 * Apply one object as `plan` says (from planApply with the live object read just before).
 * Returns the live object after the apply and any repair. Throws OwnershipError on a refusal or
 * a conflict with another field manager.
 */
export async function applyObject(
  c: KubeClient,
  desired: KubeObject,
  plan: ApplyPlan,
  opts: ApplyObjectOptions,
): Promise<KubeObject> {
  const what = describeObject(desired);
  if (plan.action === "refuse") throw new OwnershipError(plan.error);
  if (plan.action === "adopt" || (plan.action === "join" && desired.kind === "Namespace")) say(plan.note);
  const ref = refOf(desired);
  if (plan.action === "create" && desired.kind === "Namespace") {
    // The mark that Lattice created it (the only namespace it may ever delete), by a manager of its own.
    const mark = {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      metadata: { name: desired.metadata.name, annotations: { [CREATED_ANNOTATION]: "true" } },
    };
    await c.apply(mark, { fieldManager: CREATOR_MANAGER, force: false });
  }
  let live: KubeObject;
  try {
    live = await c.apply(desired, { fieldManager: opts.fieldManager, force: plan.force });
  } catch (e) {
    if (!isConflict(e)) throw e;
    const why =
      plan.action === "join"
        ? `Lattice joins it, but fields it sets are managed by others with other values`
        : `it was created meanwhile by someone else, with other values`;
    throw new OwnershipError(
      `${what}: ${why} (${(e as Error).message}); adopt it with metadata.annotations["lattice.dev/adopt"]: "true"`,
    );
  } finally {
    written(c, ref);
  }
  return repair(c, desired, live, opts.fieldManager);
}

/** Remove what a forced apply left: fields other managers own that the document does not have. */
async function repair(c: KubeClient, desired: KubeObject, live: KubeObject, fieldManager: string): Promise<KubeObject> {
  const ref = refOf(desired);
  const isOurs = (m: string) => m === fieldManager;
  for (let attempt = 1; ; attempt++) {
    const ops = repairPatch(desired, live, isOurs);
    if (!ops.length) return live;
    const path = await c.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    try {
      live = await c.request<KubeObject>(
        "PATCH",
        `${path}?fieldManager=${encodeURIComponent(fieldManager)}`,
        ops,
        "application/json-patch+json",
      );
      written(c, ref);
    } catch (e) {
      // The resourceVersion test failed (someone wrote meanwhile): read again and redo the patch.
      if (!(isConflict(e) || isInvalid(e)) || attempt >= 5) throw e;
      live = await c.get(ref);
    }
  }
}

/** What removing an object did. */
export type RemoveOutcome = "deleted" | "released" | "untouched";

/**
 * Remove one object Lattice applied with `fieldManager` (see planRemove): `recordedUid` is the UID
 * recorded when it was applied, `shared` says several Lattice sets apply it. Retried when another
 * writer changed it meanwhile.
 */
export async function removeObject(
  c: KubeClient,
  ref: ObjectRef,
  fieldManager: string,
  recordedUid: string | undefined,
  shared: boolean,
): Promise<RemoveOutcome> {
  for (let attempt = 1; ; attempt++) {
    const live = await c.getOrUndefined(ref);
    const plan = planRemove(live, fieldManager, recordedUid, shared);
    try {
      switch (plan.action) {
        case "none":
          if (plan.warning) say(`warning: ${plan.warning}`);
          return "untouched";
        case "delete":
          written(c, ref);
          return (await c.delete(ref, { uid: plan.uid })) ? "deleted" : "untouched";
        case "delete-if-empty": {
          const others = await foreignContents(c, ref.name);
          if (!others.length) {
            written(c, ref);
            return (await c.delete(ref, { uid: plan.uid })) ? "deleted" : "untouched";
          }
          const shown = others.slice(0, 5).join(", ") + (others.length > 5 ? `, and ${others.length - 5} more` : "");
          say(
            `warning: ${describeObject(live!)} was created by Lattice but holds objects Lattice did not create ` +
              `(${shown}): it is left in place without Lattice's labels; delete it yourself when it is no longer needed`,
          );
          await release(c, live!, fieldManager);
          return "released";
        }
        case "release":
          if (plan.warning) say(plan.warning);
          await release(c, live!, fieldManager);
          return "released";
      }
    } catch (e) {
      // A precondition failed (re-created, or changed meanwhile): decide again on the new state.
      if (!isConflict(e) || attempt >= 10) throw e;
    }
  }
}

/**
 * Drop Lattice's ownership of an object that stays. A Namespace gets an empty apply from each of
 * Lattice's managers (server-side apply then removes the fields only they set: labels, the
 * creation mark). Other kinds (CRDs that require a spec refuse an empty apply) get their
 * managedFields entry removed, conditional on the resourceVersion; the values stay, owned by the
 * others who set them too.
 */
async function release(c: KubeClient, live: KubeObject, fieldManager: string): Promise<void> {
  const ref = refOf(live);
  written(c, ref);
  if (live.kind === "Namespace") {
    const empty = { apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata.name } };
    await c.apply(empty, { fieldManager, force: false });
    if (uidOf(live) && live.metadata.annotations?.[CREATED_ANNOTATION])
      await c.apply(empty, { fieldManager: CREATOR_MANAGER, force: false });
    return;
  }
  const managedFields = (live.metadata.managedFields ?? []).filter((m) => m.manager !== fieldManager);
  const path = await c.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
  const patch = {
    metadata: { managedFields, resourceVersion: (live.metadata as { resourceVersion?: string }).resourceVersion },
  };
  await c.request("PATCH", path, patch, "application/merge-patch+json");
}
