// What "the same object" means on both sides of a pivot: the normalised form used for the plan's
// digests, for verification and for the oracle comparison with clusterctl. Dropped: everything the
// server assigns (uid, resourceVersion, creationTimestamp, generation, managedFields, selfLink,
// deletion fields), status (never copied: controllers rebuild it), the mover's own labels and
// annotations (every key under lattice.dev/pivot*), clusterctl's delete-for-move annotation,
// generateName (cleared on copies), finalizers (checked separately: the target's controllers may
// add theirs to a paused copy), spec.paused of a Cluster (differs by phase), and the UIDs and
// versions of ownerReferences (an owner is its group, kind and name). Secrets are hashed over their
// data like any object; the digest is all that leaves this module — never the data.
import { createHash } from "node:crypto";
import type { KubeObject, OwnerReference } from "../k8s/object";
import { CAPI, CLUSTERCTL, PIVOT, SERVER_ASSIGNED_METADATA, groupOf } from "./model";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// Beyond what the server assigns: generateName is cleared on copies, and finalizers are checked
// separately (the target's controllers may add theirs to a paused copy).
const DROPPED_METADATA = [...SERVER_ASSIGNED_METADATA, "finalizers", "generateName"];

const dropped = (key: string) => key.startsWith(PIVOT.prefix) || key === CLUSTERCTL.deleteForMove;

function filterMap(m: unknown): Record<string, string> | undefined {
  if (!m || typeof m !== "object") return undefined;
  const out = Object.fromEntries(Object.entries(m as Record<string, string>).filter(([k]) => !dropped(k)));
  return Object.keys(out).length ? out : undefined;
}

/** An ownerReference without UID or version, as a sortable record. */
export function ownerKey(r: Omit<OwnerReference, "uid">): string {
  return `${groupOf(r.apiVersion)}/${r.kind}/${r.name}/${r.controller ? "c" : ""}${r.blockOwnerDeletion ? "b" : ""}`;
}

/** True for a cluster.x-k8s.io Cluster. */
export const isCluster = (o: { apiVersion: string; kind: string }): boolean =>
  o.kind === "Cluster" && groupOf(o.apiVersion) === CAPI.group;

/** The normalised form of an object (a new value; the input is not changed). */
export function normalise(obj: KubeObject): Record<string, Json> {
  const { metadata, status: _status, apiVersion, ...rest } = obj as KubeObject & { status?: unknown };
  const meta: Record<string, Json> = { name: metadata.name };
  if (metadata.namespace) meta.namespace = metadata.namespace;
  const labels = filterMap(metadata.labels);
  if (labels) meta.labels = labels;
  const annotations = filterMap(metadata.annotations);
  if (annotations) meta.annotations = annotations;
  const refs = ((metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? []).map(ownerKey).sort();
  if (refs.length) meta.ownerReferences = refs;
  for (const [k, v] of Object.entries(metadata)) {
    if (k in meta || DROPPED_METADATA.includes(k) || ["labels", "annotations", "ownerReferences"].includes(k)) continue;
    meta[k] = v as Json;
  }
  const out: Record<string, Json> = { group: groupOf(apiVersion), ...(rest as Record<string, Json>), metadata: meta };
  if (isCluster(obj) && out.spec && typeof out.spec === "object") {
    const { paused: _paused, ...spec } = out.spec as Record<string, Json>;
    out.spec = spec;
  }
  return out;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** SHA-256 (hex) of the normalised object. */
export function digestOf(obj: KubeObject): string {
  return sha256(canonicalJson(normalise(obj)));
}

/** SHA-256 over "key digest" lines, sorted: one value for a whole plan or inventory. */
export function setDigest(entries: ReadonlyArray<{ key: string; digest: string }>): string {
  return sha256(
    entries
      .map((e) => `${e.key} ${e.digest}\n`)
      .sort()
      .join(""),
  );
}

/** The finalizers of an object (empty when none). */
export const finalizersOf = (o: KubeObject): string[] => (o.metadata as { finalizers?: string[] }).finalizers ?? [];

/**
 * The mover's own managedFields entries (manager lattice-pivot), without their times, as canonical
 * JSON: equal on a copy and its source exactly when the copy's managedFields were restored.
 */
export function moverFieldsOf(o: KubeObject, manager = PIVOT.fieldManager): string {
  const entries = ((o.metadata as { managedFields?: Record<string, unknown>[] }).managedFields ?? [])
    .filter((m) => m.manager === manager)
    .map(({ time: _time, ...rest }) => rest);
  return canonicalJson(entries);
}
