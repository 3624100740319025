// The agent's RBAC in the child, least privilege, rendered from the policy's kinds table
// (agent/child/capi-kinds.ts), resource by resource:
//   ClusterRole  lattice-agent-read   read Nodes and the table's Cluster API kinds (health, owners);
//                                     for a pivot: the kube-system Namespace (the API identity) and
//                                     CRDs by name (storage versions), get only
//   Role         lattice-agent        (agent namespace) its identity and key Secrets, its journal
//   Role         lattice-agent-capi   (CAPI namespace) create/patch the table's kinds and Secrets;
//                                     the status of the kinds an import may write; for a pivot
//                                     (pivotRules): update and delete the table's import kinds, and
//                                     the cluster's Secrets and ConfigMaps
// No wildcard, nothing on workloads, RBAC or cluster-scoped writes. Delete exists only in the CAPI
// namespace, for a pivot's rollback; RBAC cannot select by label, so agent/child/pivot-policy.ts
// limits it to live objects carrying the pivot id of a journal the cell names. The CAPI namespace is
// never the agent's own: there the Secret rule would reach its identity and key.
import type { KubeObject } from "../../core/k8s/object";
import { AGENT_NAME, IDENTITY_SECRET_NAME, JOURNAL_CONFIGMAP_NAME, KEY_SECRET_NAME } from "../api/child";
import { CAPI_KINDS, capiGroups, type CapiKind } from "../child/capi-kinds";

/** One RBAC rule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const RBAC = "rbac.authorization.k8s.io/v1";
const labels = { "app.kubernetes.io/name": AGENT_NAME, "app.kubernetes.io/managed-by": "lattice" };

/** Rules of the cluster-wide read role. */
export function readRules(): PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    ...byGroup(CAPI_KINDS, (k) => [k.resource], ["get", "list", "watch"]),
    ...pivotReadRules(),
  ];
}

/** A pivot's reads outside the CAPI namespace: the API identity and CRD storage versions. */
export function pivotReadRules(): PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get"], resourceNames: ["kube-system"] },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get"] },
  ];
}

/**
 * A pivot's writes in the CAPI namespace (agent/child/pivot.ts): update for a copy that differs from
 * its source, delete for a rollback's removal of its own copies — of the kinds an import may write —
 * and the cluster's Secrets and ConfigMaps (moved alike).
 */
export function pivotRules(): PolicyRule[] {
  return [
    ...byGroup(
      CAPI_KINDS.filter((k) => k.commands.includes("import")),
      (k) => [k.resource],
      ["update", "delete"],
    ),
    { apiGroups: [""], resources: ["secrets"], verbs: ["list", "update", "delete"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "update", "patch", "delete"] },
  ];
}

/** One rule per API group of `kinds`, naming the resources `resources` gives for each kind. */
function byGroup(kinds: readonly CapiKind[], resources: (k: CapiKind) => string[], verbs: string[]): PolicyRule[] {
  return capiGroups()
    .map((group) => ({
      apiGroups: [group],
      resources: kinds.filter((k) => k.group === group).flatMap(resources),
      verbs,
    }))
    .filter((r) => r.resources.length > 0);
}

/** Rules in the agent's own namespace: only its two objects (create cannot be limited by name). */
export function selfRules(): PolicyRule[] {
  return [
    {
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get", "patch"],
      resourceNames: [IDENTITY_SECRET_NAME, KEY_SECRET_NAME],
    },
    {
      apiGroups: [""],
      resources: ["configmaps"],
      verbs: ["get", "update", "patch"],
      resourceNames: [JOURNAL_CONFIGMAP_NAME],
    },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
  ];
}

/** Rules in the CAPI namespace: what apply and import need (server-side apply = patch, + create). */
export function capiRules(): PolicyRule[] {
  return [
    // Server-side apply that creates needs create as well as patch; an import creates.
    ...byGroup(CAPI_KINDS, (k) => [k.resource], ["get", "list", "create", "patch"]),
    // An import writes the status it carries.
    ...byGroup(
      CAPI_KINDS.filter((k) => k.commands.includes("import")),
      (k) => [`${k.resource}/status`],
      ["patch"],
    ),
    { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "patch"] },
  ];
}

/** The RBAC objects for an agent in `namespace` acting on `capiNamespace`. */
export function renderAgentRbac(namespace: string, capiNamespace: string): KubeObject[] {
  if (namespace === capiNamespace)
    throw new Error(
      `the agent's RBAC: the Cluster API namespace "${capiNamespace}" is the agent's own namespace; ` +
        `its Secret rule would reach the agent's identity and key there: use another Cluster API namespace`,
    );
  const subjects = [{ kind: "ServiceAccount", name: AGENT_NAME, namespace }];
  const role = (
    kind: "Role" | "ClusterRole",
    name: string,
    ns: string | undefined,
    rules: PolicyRule[],
  ): KubeObject => ({ apiVersion: RBAC, kind, metadata: { name, ...(ns ? { namespace: ns } : {}), labels }, rules });
  const binding = (
    kind: "RoleBinding" | "ClusterRoleBinding",
    name: string,
    ns: string | undefined,
    roleKind: string,
  ): KubeObject => ({
    apiVersion: RBAC,
    kind,
    metadata: { name, ...(ns ? { namespace: ns } : {}), labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name },
    subjects,
  });
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: AGENT_NAME, namespace, labels } },
    role("ClusterRole", `${AGENT_NAME}-read`, undefined, readRules()),
    binding("ClusterRoleBinding", `${AGENT_NAME}-read`, undefined, "ClusterRole"),
    role("Role", AGENT_NAME, namespace, selfRules()),
    binding("RoleBinding", AGENT_NAME, namespace, "Role"),
    role("Role", `${AGENT_NAME}-capi`, capiNamespace, [...capiRules(), ...pivotRules()]),
    binding("RoleBinding", `${AGENT_NAME}-capi`, capiNamespace, "Role"),
  ];
}
