// From discovered objects to a plan: which objects move (the namespace, or one Cluster and what
// belongs to it), in which order, what each must look like (digest), and what is left in the
// source; or the refusals that stop the pivot before anything is written.
//
// Order is clusterctl's getMoveSequence: group after group, each holding every unplaced object
// whose owners and soft owners are all placed; deletion walks the groups backwards. Where
// clusterctl silently skips an object whose owner does not move (#8387), this refuses, naming it.
import type { KubeObject } from "../k8s/object";
import { buildGraph, classRefOf, type GraphNode } from "./graph";
import { CAPI, MAX_PLAN_ENTRIES, describe, type DiscoveryType, type Plan, type PlanEntry, type Refusal } from "./model";
import { digestOf, setDigest } from "./normalise";

/** What planning needs: everything discovery listed in the source. */
export interface PlanInput {
  readonly namespace: string;
  /** Move only this Cluster and what belongs to it (default: every Cluster of the namespace). */
  readonly cluster?: string;
  readonly types: readonly DiscoveryType[];
  /** Objects of every discovery type in the namespace (cluster-scoped types: all of them). */
  readonly objects: readonly KubeObject[];
  /** Clusters of every namespace (for ClusterClasses used elsewhere). */
  readonly allClusters?: readonly KubeObject[];
  /** Keys of the Clusters/ClusterClasses the resuming pivot paused (its journal's status.pause). */
  readonly pausedByUs?: ReadonlySet<string>;
  /** Skip clusterctl's provisioning check (dry runs, and reading a plan back). Default false. */
  readonly skipProvisioningCheck?: boolean;
}

/** A plan, or why there is none. `left` names what stays in the source although it was discovered. */
export type PlanResult = { ok: true; plan: Plan; left: string[] } | { ok: false; refusals: Refusal[] };

const isKind = (n: GraphNode, group: string, kind: string) => n.identity.group === group && n.identity.kind === kind;

/** Plan a pivot. Pure: the same input gives the same plan. */
export function planPivot(input: PlanInput): PlanResult {
  const graph = buildGraph(input.objects, input.types, input.namespace, input.allClusters);
  const refusals: Refusal[] = [];
  const refuse = (reason: Refusal["reason"], message: string, objects: string[]) =>
    refusals.push({ reason, message, objects });

  let moving = graph.moveNodes;
  if (input.cluster !== undefined) {
    const scoped = scopeToCluster(moving, input.cluster, input.namespace);
    if ("refusal" in scoped) return { ok: false, refusals: [scoped.refusal] };
    moving = scoped.nodes;
  }
  // A Cluster the API serves but discovery did not list: its CRD lacks clusterctl's labels, so it and
  // its hierarchy would be left behind while labelled objects moved without it.
  const unseen = (input.allClusters ?? []).filter(
    (c) =>
      c.metadata.namespace === input.namespace &&
      (input.cluster === undefined || c.metadata.name === input.cluster) &&
      !graph.nodes.has((c.metadata as { uid?: string }).uid ?? ""),
  );
  if (unseen.length) {
    refuse(
      "unlabelled-types",
      `Cluster ${unseen.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).join(", ")} exists but was not discovered: ` +
        `label the Cluster API CRDs clusterctl.cluster.x-k8s.io (or cluster.x-k8s.io/provider) as clusterctl init does`,
      unseen.map((c) => `${CAPI.group}/Cluster/${c.metadata.namespace}/${c.metadata.name}`),
    );
    return { ok: false, refusals };
  }
  if (moving.length === 0) {
    refuse(
      "nothing-to-move",
      `namespace ${input.namespace} holds no Cluster API objects to move (no Cluster, nothing labelled ` +
        `clusterctl.cluster.x-k8s.io/move; are the CRDs labelled as clusterctl init labels them?)`,
      [],
    );
    return { ok: false, refusals };
  }
  if (moving.length > MAX_PLAN_ENTRIES)
    refuse("too-large", `${moving.length} objects to move: more than ${MAX_PLAN_ENTRIES}, split by --cluster`, []);

  const inPlan = new Set(moving.map((n) => n.uid));
  const outside: string[] = [];
  for (const n of moving)
    for (const o of [...n.owners.keys(), ...n.softOwners])
      if (!inPlan.has(o)) {
        const owner = graph.nodes.get(o)!;
        const what = owner.virtual
          ? `${owner.identity.kind} ${owner.identity.name} (uid ${o}, not a kind that moves)`
          : describe(owner.identity);
        outside.push(`${describe(n.identity)} is owned by ${what}`);
      }
  if (outside.length)
    refuse(
      "owner-outside-plan",
      `objects whose owner does not move (clusterctl would leave them behind silently): ${outside.join("; ")}`,
      outside,
    );

  const deleting = moving.filter((n) => (n.object!.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  if (deleting.length)
    refuse(
      "deleting",
      `objects being deleted cannot move (a copy would bring them back): ${deleting.map((n) => describe(n.identity)).join(", ")}`,
      deleting.map((n) => n.key),
    );

  const paused = pausedBySomeoneElse(moving, input.pausedByUs ?? new Set());
  if (paused.length)
    refuse(
      "paused-by-someone-else",
      `paused by someone else (a pivot never unpauses what it did not pause): ${paused.map((n) => describe(n.identity)).join(", ")}; ` +
        `unpause them first or find out who paused them`,
      paused.map((n) => n.key),
    );

  if (!input.skipProvisioningCheck) {
    const pending = notProvisioned(moving);
    if (pending.length)
      refuse("not-provisioned", `still provisioning (Cluster API must finish first): ${pending.join("; ")}`, pending);
  }

  const groups = moveSequence(moving);
  const placed = new Set(groups.flat().map((n) => n.uid));
  const cycle = moving.filter((n) => !placed.has(n.uid));
  if (cycle.length && !outside.length)
    refuse(
      "ownership-cycle",
      `ownerReferences form a cycle: ${cycle.map((n) => describe(n.identity)).join(", ")}`,
      cycle.map((n) => n.key),
    );
  if (refusals.length) return { ok: false, refusals };

  const typeVersion = new Map(input.types.map((t) => [`${t.group}/${t.kind}`, t.version]));
  const entries: PlanEntry[] = [];
  groups.forEach((group, order) => {
    for (const n of group) {
      const obj = n.object!;
      const global = n.isGlobal || n.isGlobalHierarchy;
      const version = typeVersion.get(`${n.identity.group}/${n.identity.kind}`) ?? obj.apiVersion.split("/").pop()!;
      entries.push({
        ...n.identity,
        apiVersion: n.identity.group ? `${n.identity.group}/${version}` : version,
        sourceUid: n.uid,
        digest: digestOf(obj),
        order,
        deleteFromSource: !global && !n.shouldNotDelete,
        global,
      });
    }
  });
  const left = graph.moveNodes.length === moving.length ? [] : leftBehind(graph.moveNodes, inPlan);
  return {
    ok: true,
    plan: {
      namespace: input.namespace,
      ...(input.cluster !== undefined ? { cluster: input.cluster } : {}),
      entries,
      groups: groups.length,
      setDigest: setDigest(entries.map((e) => ({ key: keyOfEntry(e), digest: e.digest }))),
    },
    left,
  };
}

/** The plan key of an entry (same as keyOf of its identity). */
export function keyOfEntry(e: PlanEntry): string {
  return `${e.group}/${e.kind}/${e.namespace ?? ""}/${e.name}`;
}

function leftBehind(all: readonly GraphNode[], inPlan: Set<string>): string[] {
  return all
    .filter((n) => !inPlan.has(n.uid))
    .map((n) => describe(n.identity))
    .sort();
}

/** Groups in clusterctl's order, each sorted by key (clusterctl's order within a group is random). */
export function moveSequence(nodes: readonly GraphNode[]): GraphNode[][] {
  const placed = new Set<string>();
  const groups: GraphNode[][] = [];
  for (;;) {
    const group = nodes.filter(
      (n) => !placed.has(n.uid) && [...n.owners.keys(), ...n.softOwners].every((o) => placed.has(o)),
    );
    if (group.length === 0) break;
    group.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const n of group) placed.add(n.uid);
    groups.push(group);
  }
  return groups;
}

/**
 * One Cluster's share of the namespace: everything its hierarchy reaches, plus force-moved objects
 * labelled with its name (cluster.x-k8s.io/cluster-name). A ClusterClass is shared by design, so a
 * Cluster using one moves with its namespace only.
 */
function scopeToCluster(
  moving: readonly GraphNode[],
  name: string,
  namespace: string,
): { nodes: GraphNode[] } | { refusal: Refusal } {
  const cluster = moving.find(
    (n) => isKind(n, CAPI.group, "Cluster") && n.identity.name === name && n.identity.namespace === namespace,
  );
  if (!cluster)
    return {
      refusal: {
        reason: "cluster-not-found",
        message: `Cluster ${namespace}/${name} not found in the source (or its CRD is not labelled for move)`,
        objects: [],
      },
    };
  const cls = classRefOf(cluster.object!);
  if (cls)
    return {
      refusal: {
        reason: "shared-cluster-class",
        message: `Cluster ${namespace}/${name} uses ClusterClass ${cls.namespace}/${cls.name}: move the whole namespace (without --cluster)`,
        objects: [cluster.key],
      },
    };
  return {
    nodes: moving.filter(
      (n) =>
        n.tenants.has(cluster.uid) ||
        (n.tenants.size === 0 && n.object!.metadata.labels?.[CAPI.clusterNameLabel] === name),
    ),
  };
}

function pausedBySomeoneElse(nodes: readonly GraphNode[], ours: ReadonlySet<string>): GraphNode[] {
  return nodes.filter((n) => {
    if (ours.has(n.key)) return false;
    const obj = n.object!;
    const ann = obj.metadata.annotations ?? {};
    if (isKind(n, CAPI.group, "Cluster"))
      return (obj.spec as { paused?: boolean } | undefined)?.paused === true || CAPI.pausedAnnotation in ann;
    if (isKind(n, CAPI.group, "ClusterClass")) return CAPI.pausedAnnotation in ann;
    return false;
  });
}

type ClusterStatus = {
  initialization?: { infrastructureProvisioned?: boolean; controlPlaneInitialized?: boolean };
  conditions?: { type: string; status: string }[];
};

/** clusterctl's checkProvisioningCompleted, as messages. */
function notProvisioned(nodes: readonly GraphNode[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const obj = n.object!;
    if (isKind(n, CAPI.group, "Cluster")) {
      const st = (obj.status ?? {}) as ClusterStatus;
      const cpRef = (obj.spec as { controlPlaneRef?: { name?: string } } | undefined)?.controlPlaneRef?.name;
      if (!st.initialization?.infrastructureProvisioned)
        out.push(`${describe(n.identity)}: infrastructure not provisioned`);
      else if (!st.conditions?.some((c) => c.type === "ControlPlaneInitialized" && c.status === "True"))
        out.push(`${describe(n.identity)}: control plane not initialized (condition ControlPlaneInitialized)`);
      else if (cpRef && !st.initialization.controlPlaneInitialized)
        out.push(`${describe(n.identity)}: control plane not initialized`);
    } else if (isKind(n, CAPI.group, "Machine")) {
      if (!(obj.status as { nodeRef?: { name?: string } } | undefined)?.nodeRef?.name)
        out.push(`${describe(n.identity)}: no node yet (status.nodeRef)`);
    }
  }
  return out;
}
