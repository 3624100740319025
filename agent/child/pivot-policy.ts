// What a pivot may do in this cluster, on top of the link policy (./policy.ts), kept apart so the
// general policy stays the short table it is:
//   - the kinds a pivot copies are the policy's (Cluster API objects, the cluster's own Secrets)
//     plus the cluster's own ConfigMaps (labelled cluster.x-k8s.io/cluster-name=<cluster>, the same
//     rule as Secrets: clusterctl moves ConfigMaps a provider labels /move, e.g. RKE2's HAProxy one);
//   - every object a pivot writes carries the pivot's id (label lattice.dev/pivot-id) and its
//     source UID (annotation lattice.dev/pivot-source-uid): import refuses an object without them,
//     and activate and remove act only on a LIVE object carrying the id of the journal the cell
//     named (the cell fills the id in from the ClusterPivot; the parent cannot point remove at an
//     object this pivot did not create, nor at a Secret whose live labels are not the cluster's).
import { PIVOT } from "../../core/pivot/model";
import { CAPI_CLUSTER_NAME_LABEL } from "../api/types";
import { capiGroups } from "./capi-kinds";
import { decide, groupOf, type Decision, type LinkPolicy } from "./policy";

interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: unknown;
    namespace?: unknown;
    labels?: Record<string, unknown>;
    annotations?: Record<string, unknown>;
  };
}

const deny = (reason: string): Decision => ({ allowed: false, reason });

/** May a pivot hold this object (by its kind, namespace and labels)? Secrets and ConfigMaps: the cluster's own. */
export function decidePivotKind(obj: unknown, policy: LinkPolicy): Decision {
  const o = (obj ?? {}) as ObjectLike;
  if (o.apiVersion === "v1" && o.kind === "ConfigMap" && typeof o.metadata?.name === "string") {
    const what = `ConfigMap ${String(o.metadata.namespace ?? "")}/${o.metadata.name}`;
    if (o.metadata.namespace !== policy.capiNamespace)
      return deny(`${what}: only objects in the cluster's Cluster API namespace "${policy.capiNamespace}" are allowed`);
    if (o.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL] !== policy.cluster)
      return deny(
        `${what}: only this cluster's own ConfigMaps (labelled ${CAPI_CLUSTER_NAME_LABEL}=${policy.cluster}) are moved`,
      );
    return { allowed: true };
  }
  return decide(obj, policy, "import");
}

/** May a pivot import this copy? Its kind as above, and it carries this pivot's id and a source UID. */
export function decidePivotCopy(obj: unknown, policy: LinkPolicy, pivotId: string): Decision {
  const kind = decidePivotKind(obj, policy);
  if (!kind.allowed) return kind;
  const o = obj as ObjectLike;
  const what = `${String(o.kind)} ${String(o.metadata?.namespace)}/${String(o.metadata?.name)}`;
  if (!pivotId) return deny(`${what}: the command names no pivot`);
  if (o.metadata?.labels?.[PIVOT.idLabel] !== pivotId)
    return deny(`${what}: a pivot's copy must carry ${PIVOT.idLabel}=${pivotId}`);
  const src = o.metadata?.annotations?.[PIVOT.sourceUid];
  if (typeof src !== "string" || !src) return deny(`${what}: a pivot's copy must carry ${PIVOT.sourceUid}`);
  return { allowed: true };
}

/** May a pivot change or delete this LIVE object? Its kind as above, and it is a copy of this pivot. */
export function decidePivotTouch(live: unknown, policy: LinkPolicy, pivotId: string): Decision {
  const kind = decidePivotKind(live, policy);
  if (!kind.allowed) return kind;
  const o = live as ObjectLike;
  const what = `${String(o.kind)} ${String(o.metadata?.namespace)}/${String(o.metadata?.name)}`;
  if (!pivotId || o.metadata?.labels?.[PIVOT.idLabel] !== pivotId)
    return deny(`${what}: not a copy of this pivot (no ${PIVOT.idLabel}=${pivotId || "?"}); left alone`);
  return { allowed: true };
}

/** May a pivot list this kind (inventory)? Cluster API groups, Secrets and ConfigMaps. */
export function decidePivotListKind(apiVersion: string, kind: string): Decision {
  if (capiGroups().includes(groupOf(apiVersion))) return { allowed: true };
  if (apiVersion === "v1" && (kind === "Secret" || kind === "ConfigMap")) return { allowed: true };
  return deny(`${apiVersion} ${kind}: a pivot lists Cluster API kinds, Secrets and ConfigMaps only`);
}
