// The shape every Kubernetes object shares. Builders in ./builders.ts give each kind its one typed
// constructor; everything Lattice emits is a KubeObject.

/** Labels and annotations: string maps, as the API defines them. */
export type StringMap = Readonly<Record<string, string>>;

/** metadata of an object as Lattice writes it (the server fills in the rest). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: StringMap;
  annotations?: StringMap;
  /** Written by the server: which field manager owns which fields (server-side apply). */
  managedFields?: ReadonlyArray<{ manager?: string; operation?: string; subresource?: string }>;
}

/** Any Kubernetes object: apiVersion, kind, metadata and a kind-specific body. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** metadata.ownerReferences[i], as the API defines it (uid is required there). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A reference to one object: enough to GET, PATCH or DELETE it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The reference of an object, for apply/prune bookkeeping. */
export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** "kind/namespace/name" (or "kind/name"): a stable key for sorting and diffing. */
export function keyOf(ref: ObjectRef | KubeObject): string {
  const r = "metadata" in ref ? refOf(ref as KubeObject) : (ref as ObjectRef);
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}
