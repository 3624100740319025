// The object graph of a move, with clusterctl v1.14.2's rules (client/cluster/objectgraph.go):
//   - a node per discovered object, keyed by UID; an ownerReference is an edge by UID, and an owner
//     never observed becomes a virtual node (it cannot move, so neither can what it owns);
//   - soft ownership without ownerReferences: a Secret with no owners named
//     <cluster>-{kubeconfig,ca,etcd,sa,proxy,apiserver-etcd-client} belongs to that Cluster in its
//     namespace; a Cluster belongs to the ClusterClass its topology names; a ClusterResourceSetBinding
//     to the Cluster it names;
//   - tenants: every node reachable from a hierarchy root (Cluster, ClusterClass, ClusterResourceSet,
//     /move-hierarchy) through owned/soft-owned edges; a node moves when it has a tenant or is
//     force-moved (/move on its CRD or itself);
//   - global: objects of cluster-scoped kinds, and (global hierarchy) what a global root owns;
//   - should-not-delete: ClusterClasses outside the moved namespace, and ones Clusters of other
//     namespaces use, with what they own.
import type { KubeObject, OwnerReference } from "../k8s/object";
import { CAPI, CLUSTERCTL, groupKind, identityOf, keyOf, type DiscoveryType, type Identity } from "./model";

/** One object (or a virtual owner) of the graph. */
export interface GraphNode {
  readonly uid: string;
  /** Absent for a virtual node (an owner that was never listed). */
  readonly object?: KubeObject;
  readonly identity: Identity;
  readonly key: string;
  readonly virtual: boolean;
  readonly owners: Map<string, { controller?: boolean; blockOwnerDeletion?: boolean }>;
  readonly softOwners: Set<string>;
  readonly tenants: Set<string>;
  forceMove: boolean;
  forceMoveHierarchy: boolean;
  isGlobal: boolean;
  isGlobalHierarchy: boolean;
  shouldNotDelete: boolean;
  blockingMove: boolean;
}

/** The graph: nodes by UID. */
export interface ObjectGraph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** Nodes that move: with a tenant, or force-moved. */
  readonly moveNodes: readonly GraphNode[];
}

type Topology = { topology?: { classRef?: { name?: string; namespace?: string } } };

/** The ClusterClass a Cluster's managed topology uses, if any. */
export function classRefOf(cluster: KubeObject): { name: string; namespace: string } | undefined {
  const ref = (cluster.spec as Topology | undefined)?.topology?.classRef;
  if (!ref?.name) return undefined;
  return { name: ref.name, namespace: ref.namespace || cluster.metadata.namespace || "" };
}

/** The Cluster name of a Secret named <cluster>-<purpose> (the first purpose that matches, as ParseSecretName). */
export function softOwnerClusterName(secretName: string): string | undefined {
  for (const p of CAPI.secretPurposes) if (secretName.endsWith(`-${p}`)) return secretName.slice(0, -(p.length + 1));
  return undefined;
}

const isKind = (n: GraphNode, group: string, kind: string) => n.identity.group === group && n.identity.kind === kind;

/**
 * Build the graph from the discovered objects (each listed at its type's storage version).
 * `allClusters` are the Clusters of every namespace (for should-not-delete); `namespace` the moved one.
 */
export function buildGraph(
  objects: readonly KubeObject[],
  types: readonly DiscoveryType[],
  namespace: string,
  allClusters: readonly KubeObject[] = [],
): ObjectGraph {
  const typeOf = new Map(types.map((t) => [groupKind(t), t]));
  const nodes = new Map<string, GraphNode>();
  const newNode = (uid: string, identity: Identity, object?: KubeObject): GraphNode => ({
    uid,
    identity,
    key: keyOf(identity),
    virtual: !object,
    ...(object ? { object } : {}),
    owners: new Map(),
    softOwners: new Set(),
    tenants: new Set(),
    forceMove: false,
    forceMoveHierarchy: false,
    isGlobal: false,
    isGlobalHierarchy: false,
    shouldNotDelete: false,
    blockingMove: false,
  });

  for (const obj of objects) {
    const uid = (obj.metadata as { uid?: string }).uid;
    if (!uid) throw new Error(`${obj.kind} ${obj.metadata.name}: listed without a UID`);
    const id = identityOf(obj);
    const existing = nodes.get(uid);
    // A virtual owner becomes real when it is listed (its identity is the listed one).
    const node = existing?.virtual ? { ...newNode(uid, id, obj), owners: existing.owners } : newNode(uid, id, obj);
    nodes.set(uid, node);
    const labels = obj.metadata.labels ?? {};
    const t = typeOf.get(groupKind(id));
    node.forceMove = CLUSTERCTL.move in labels || !!t?.forceMove;
    node.forceMoveHierarchy = CLUSTERCTL.moveHierarchy in labels || !!t?.forceMoveHierarchy;
    node.isGlobal = !!t && !t.namespaced;
    node.blockingMove = CLUSTERCTL.blockMove in (obj.metadata.annotations ?? {});
    for (const ref of (obj.metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? []) {
      if (!nodes.has(ref.uid)) {
        const [group] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/") : [""];
        nodes.set(ref.uid, newNode(ref.uid, { group: group!, kind: ref.kind, name: ref.name }));
      }
      const attrs: { controller?: boolean; blockOwnerDeletion?: boolean } = {};
      if (ref.controller !== undefined) attrs.controller = ref.controller;
      if (ref.blockOwnerDeletion !== undefined) attrs.blockOwnerDeletion = ref.blockOwnerDeletion;
      node.owners.set(ref.uid, attrs);
    }
  }

  const all = [...nodes.values()];
  const clusters = all.filter((n) => !n.virtual && isKind(n, CAPI.group, "Cluster"));
  const classes = all.filter((n) => !n.virtual && isKind(n, CAPI.group, "ClusterClass"));
  setSoftOwnership(all, clusters, classes);
  setTenants(all);
  setShouldNotDelete(all, classes, namespace, allClusters);
  return { nodes, moveNodes: all.filter((n) => !n.virtual && (n.tenants.size > 0 || n.forceMove)) };
}

function setSoftOwnership(all: GraphNode[], clusters: GraphNode[], classes: GraphNode[]): void {
  for (const secret of all) {
    if (secret.virtual || secret.identity.group !== "" || secret.identity.kind !== "Secret") continue;
    if (secret.owners.size > 0) continue;
    const clusterName = softOwnerClusterName(secret.identity.name);
    if (clusterName === undefined) continue;
    for (const c of clusters)
      if (c.identity.name === clusterName && c.identity.namespace === secret.identity.namespace)
        secret.softOwners.add(c.uid);
  }
  for (const c of clusters) {
    const ref = classRefOf(c.object!);
    if (!ref) continue;
    for (const cc of classes)
      if (cc.identity.name === ref.name && cc.identity.namespace === ref.namespace) c.softOwners.add(cc.uid);
  }
  for (const b of all) {
    if (b.virtual || !isKind(b, CAPI.addonsGroup, "ClusterResourceSetBinding")) continue;
    const name = (b.object!.spec as { clusterName?: string } | undefined)?.clusterName;
    for (const c of clusters)
      if (name && c.identity.name === name && c.identity.namespace === b.identity.namespace) b.softOwners.add(c.uid);
  }
}

function dependentsIndex(all: GraphNode[]): Map<string, GraphNode[]> {
  const deps = new Map<string, GraphNode[]>();
  for (const n of all)
    for (const o of new Set([...n.owners.keys(), ...n.softOwners])) {
      const list = deps.get(o) ?? [];
      list.push(n);
      deps.set(o, list);
    }
  return deps;
}

function setTenants(all: GraphNode[]): void {
  const deps = dependentsIndex(all);
  for (const root of all) {
    if (root.virtual || !root.forceMoveHierarchy) continue;
    // Iterative walk; a node visited once for this tenant is not descended again (ownerReference
    // cycles are legal in the API, and clusterctl guards against them the same way).
    const stack: GraphNode[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.tenants.has(root.uid)) continue;
      n.tenants.add(root.uid);
      n.isGlobalHierarchy = n.isGlobalHierarchy || root.isGlobal;
      for (const d of deps.get(n.uid) ?? []) stack.push(d);
    }
  }
}

function setShouldNotDelete(
  all: GraphNode[],
  classes: GraphNode[],
  namespace: string,
  allClusters: readonly KubeObject[],
): void {
  if (!namespace) return;
  const owned = new Map<string, GraphNode[]>();
  for (const n of all)
    for (const o of n.owners.keys()) {
      const list = owned.get(o) ?? [];
      list.push(n);
      owned.set(o, list);
    }
  const mark = (start: GraphNode) => {
    const stack = [start];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.shouldNotDelete && n !== start) continue;
      n.shouldNotDelete = true;
      for (const d of owned.get(n.uid) ?? []) if (!d.shouldNotDelete) stack.push(d);
    }
  };
  for (const cc of classes) if (cc.identity.namespace !== namespace) mark(cc);
  for (const c of allClusters) {
    if (c.metadata.namespace === namespace) continue;
    const ref = classRefOf(c);
    if (!ref || ref.namespace !== namespace) continue;
    for (const cc of classes) if (cc.identity.namespace === ref.namespace && cc.identity.name === ref.name) mark(cc);
  }
}
