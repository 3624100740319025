// The body a copy is created with, from the source object as it is now (clusterctl's
// createTargetObject, plus the pivot's marks): server-assigned fields and status dropped (controllers
// rebuild status, as after clusterctl move), ownerReferences rebuilt from the owner's identity and
// its live UID in the target, generateName cleared (kubernetes#32220: a retry then gets
// AlreadyExists), every copy labelled with the pivot and annotated with its source UID, and the
// target Cluster kept paused and told where it came from. Labels, annotations, finalizers and spec
// are copied verbatim; managedFields are restored after the create (see the target port).
import type { KubeObject, OwnerReference } from "../k8s/object";
import { PIVOT, SERVER_ASSIGNED_METADATA, type PlanEntry } from "./model";
import { isCluster } from "./normalise";

/** An owner as the copy must reference it: the owner's plan entry and its UID in the target. */
export interface LiveOwner {
  readonly entry: PlanEntry;
  readonly targetUid: string;
}

/** What the copy of a Cluster records about its origin. */
export interface ClusterRecord {
  /** The source cluster's API identity (UID of its kube-system Namespace). */
  readonly sourceIdentity: string;
  readonly setDigest: string;
}

export interface CopyContext {
  readonly pivotId: string;
  /** The target owner of a source owner UID, or undefined when it is not in the target yet. */
  readonly ownerOf: (sourceUid: string) => LiveOwner | undefined;
  readonly record: ClusterRecord;
}

/** Thrown when an owner of the object has no copy in the target (an earlier group did not finish). */
export class MissingOwnerError extends Error {
  constructor(
    readonly object: string,
    readonly ownerUid: string,
  ) {
    super(`${object}: its owner (source uid ${ownerUid}) has no copy in the target yet`);
    this.name = "MissingOwnerError";
  }
}

/** The body to create (or update) the copy with. The source object is not changed. */
export function renderCopy(source: KubeObject, entry: PlanEntry, ctx: CopyContext): KubeObject {
  const copy = structuredClone(source) as KubeObject & { status?: unknown };
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> & {
    name: string;
    generateName?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  for (const f of SERVER_ASSIGNED_METADATA) delete meta[f];
  if (meta.name && meta.generateName) delete meta.generateName;
  const refs = (meta.ownerReferences ?? []).map((r) => {
    const owner = ctx.ownerOf(r.uid);
    if (!owner) throw new MissingOwnerError(`${entry.kind} ${entry.name}`, r.uid);
    const ref: OwnerReference = {
      apiVersion: owner.entry.apiVersion,
      kind: owner.entry.kind,
      name: owner.entry.name,
      uid: owner.targetUid,
    };
    if (r.controller !== undefined) ref.controller = r.controller;
    if (r.blockOwnerDeletion !== undefined) ref.blockOwnerDeletion = r.blockOwnerDeletion;
    return ref;
  });
  if (refs.length) meta.ownerReferences = refs;
  else delete meta.ownerReferences;
  meta.labels = { ...meta.labels, [PIVOT.idLabel]: ctx.pivotId };
  meta.annotations = { ...meta.annotations, [PIVOT.sourceUid]: entry.sourceUid };
  copy.apiVersion = entry.apiVersion;
  if (isCluster(copy)) {
    // Inert until verified and the source is fenced, whatever the source looked like when read.
    copy.spec = { ...(copy.spec as object), paused: true };
    meta.annotations[PIVOT.pivotedFrom] = ctx.record.sourceIdentity;
    meta.annotations[PIVOT.setDigest] = ctx.record.setDigest;
    delete meta.annotations[PIVOT.pivotedTo];
  }
  return copy;
}

/** The merge patch that activates a copied Cluster: unpaused, and the field removed (no owner kept). */
export const ACTIVATE_CLUSTER_PATCH = { spec: { paused: null } };

/** The merge patch that activates a copied ClusterClass (clusterctl pauses classes by annotation). */
export const ACTIVATE_CLASS_PATCH = { metadata: { annotations: { "cluster.x-k8s.io/paused": null } } };
