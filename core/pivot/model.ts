// The vocabulary of the pivot mover: identities, discovery types, the plan, refusals, and the
// labels and annotations the mover and Cluster API agree on. Pure data, no I/O.
import type { KubeObject } from "../k8s/object";

/** clusterctl's labels and annotations (cmd/clusterctl/api/v1alpha3, v1.14.2). */
export const CLUSTERCTL = {
  /** On a CRD: its kind takes part in move discovery (what `clusterctl init` adds). */
  label: "clusterctl.cluster.x-k8s.io",
  /** On a CRD or an object: move it even without an owner chain to a Cluster. */
  move: "clusterctl.cluster.x-k8s.io/move",
  /** On a CRD or an object: a root; it and everything it owns move. */
  moveHierarchy: "clusterctl.cluster.x-k8s.io/move-hierarchy",
  /** On an object: wait until it is gone before copying (a provider still working). */
  blockMove: "clusterctl.cluster.x-k8s.io/block-move",
  /** Added to a source object just before it is deleted, so webhooks can allow the delete. */
  deleteForMove: "clusterctl.cluster.x-k8s.io/delete-for-move",
} as const;

/** metadata fields the API server assigns: never written to a copy, never compared. */
export const SERVER_ASSIGNED_METADATA: readonly string[] = [
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "generation",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/** Cluster API's own names. */
export const CAPI = {
  group: "cluster.x-k8s.io",
  addonsGroup: "addons.cluster.x-k8s.io",
  /** A provider's CRDs carry it (`clusterctl init`, and upstream Lattice's own installer). */
  providerLabel: "cluster.x-k8s.io/provider",
  clusterNameLabel: "cluster.x-k8s.io/cluster-name",
  pausedAnnotation: "cluster.x-k8s.io/paused",
  /** The purposes of the Secrets a Cluster soft-owns by name (util/secret/consts.go). */
  secretPurposes: ["kubeconfig", "ca", "etcd", "sa", "proxy", "apiserver-etcd-client"],
} as const;

/** What the mover writes. Every key starts with "lattice.dev/pivot", so one prefix normalises them away. */
export const PIVOT = {
  prefix: "lattice.dev/pivot",
  /** Label on every copy: which pivot created it (a cheap labelSelector list on resume). */
  idLabel: "lattice.dev/pivot-id",
  /** Annotation on every copy: the UID of the object it copies. */
  sourceUid: "lattice.dev/pivot-source-uid",
  /** On the source Cluster once the copy is verified: nothing may unpause it again. */
  pivotedTo: "lattice.dev/pivoted-to",
  /** On the target Cluster: the API identity of the cluster it came from. */
  pivotedFrom: "lattice.dev/pivoted-from",
  /** On the target Cluster: the SHA-256 over the plan's identities and digests. */
  setDigest: "lattice.dev/pivot-set-digest",
  /** Field manager of the mover's writes (none of its entries survives a pivot). */
  fieldManager: "lattice-pivot",
} as const;

/** Where an object lives: group (no version), kind, namespace (absent when cluster-scoped), name. */
export interface Identity {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** "group/Kind/namespace/name" ("/Secret/ns/x" for the core group; "group/Kind//name" when global). */
export function keyOf(id: Identity): string {
  return `${id.group}/${id.kind}/${id.namespace ?? ""}/${id.name}`;
}

/** The group of an apiVersion ("" for the core group's "v1"). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

/** The identity of an object. */
export function identityOf(obj: KubeObject): Identity {
  const id: { group: string; kind: string; name: string; namespace?: string } = {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    name: obj.metadata.name,
  };
  if (obj.metadata.namespace) id.namespace = obj.metadata.namespace;
  return id;
}

/** "Kind ns/name" for messages. */
export function describe(id: Identity): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ""}${id.name}`;
}

/** A kind taking part in discovery, at its storage version. */
export interface DiscoveryType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The URL plural (from the CRD; "secrets"/"configmaps" for the core types). */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Every object of the kind moves (CRD labelled /move, or a hierarchy root). */
  readonly forceMove: boolean;
  /** Objects of the kind are roots: they and all they own move (Cluster, ClusterClass, ClusterResourceSet, /move-hierarchy). */
  readonly forceMoveHierarchy: boolean;
}

/** "group/Kind" of a type or identity. */
export const groupKind = (t: { group: string; kind: string }): string => `${t.group}/${t.kind}`;

/** apiVersion of a discovery type. */
export const apiVersionOfType = (t: DiscoveryType): string => (t.group ? `${t.group}/${t.version}` : t.version);

/** An ownerReference reduced to what survives a move (the UID never does). */
export interface OwnerLink {
  /** Plan key of the owner. */
  readonly owner: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** One object of the plan: identity, where it came from, what it must look like, where it goes. */
export interface PlanEntry extends Identity {
  /** The storage version it is read and written at. */
  readonly apiVersion: string;
  readonly sourceUid: string;
  /** SHA-256 of the normalised object (./normalise.ts). */
  readonly digest: string;
  /** Its group in the move sequence: owners are in earlier groups. */
  readonly order: number;
  /** False for global objects, their hierarchy, and should-not-delete ClusterClasses. */
  readonly deleteFromSource: boolean;
  /** Cluster-scoped or owned by one: copied only if absent, never updated or deleted. */
  readonly global: boolean;
}

/** What moves, in order. */
export interface Plan {
  readonly namespace: string;
  /** Set when one Cluster (and what belongs to it) moves instead of the whole namespace. */
  readonly cluster?: string;
  /** By group, owners first; within a group sorted by key. */
  readonly entries: readonly PlanEntry[];
  readonly groups: number;
  /** SHA-256 over the sorted "key digest" lines. */
  readonly setDigest: string;
}

/** Why a pivot will not start (or continue): one kind of reason and the objects it names. */
export interface Refusal {
  readonly reason:
    | "nothing-to-move"
    | "unlabelled-types"
    | "cluster-not-found"
    | "paused-by-someone-else"
    | "not-provisioned"
    | "deleting"
    | "owner-outside-plan"
    | "ownership-cycle"
    | "shared-cluster-class"
    | "target-missing-type"
    | "target-conflict"
    | "too-large";
  readonly message: string;
  /** Keys of the objects concerned (for tests and tools). */
  readonly objects: readonly string[];
}

/** Plans larger than this are refused rather than journaled in pieces (≈250 B an entry). */
export const MAX_PLAN_ENTRIES = 5000;
