// The cell in the parent: a Deployment of N replicas behind one Service, with the RBAC it needs in
// its namespace. `lattice cell manifests` prints these. Choices that are not defaults, and why:
//  - N replicas, no leader for the link: every replica serves the agents that reach it; the parent
//    API server is the shared state (ClusterLink and AgentCommand objects), and only garbage
//    collection and the lost-cell sweep elect a leader (Lease lattice-cell-leader);
//  - one Service for both ports: agents and nodes dial one address; the Service spreads new
//    connections over ready replicas, and an agent whose replica died redials the same address
//    and lands on a live one;
//  - rolling updates one pod at a time (maxUnavailable 1, maxSurge 1), a PodDisruptionBudget
//    keeping at least one replica, and replicas spread over nodes: a drain or an update moves a
//    share of the agents at a time, never all of them;
//  - readiness on the bootstrap endpoint's /healthz, so a replica gets connections only once it
//    serves (its ClusterLink and AgentCommand caches are complete before it listens);
//  - memory: about 100 KiB per connected agent (see docs/architecture.md), so the limit is sized
//    for 10,000 agents per replica; a small young generation (CELL_NODE_OPTIONS);
//  - non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp.
import type { KubeObject } from "../../core/k8s/object";
import { capiGroups } from "../child/capi-kinds";

export const CELL_NAME = "lattice-cell";

/**
 * Node options of the cell's container: a young generation of 2 MiB semi-spaces instead of 16.
 * A connect storm allocates a lot for a short time; with the default the heap's young generation
 * grows to its maximum and stays resident (~45 MiB more at 2,000 agents, measured with
 * bench:link), for scavenges the cell does not need to be rarer.
 */
export const CELL_NODE_OPTIONS = "--max-semi-space-size=2";
export const LINK_PORT = 8443;
export const BOOTSTRAP_PORT = 8444;

/** The ClusterRole of the pivot mover, bound per Cluster API namespace (pivot/request.ts). */
export const CELL_PIVOT_ROLE = "lattice-cell-pivot";

/** The mover's rights in a cluster's Cluster API namespace of the parent: read, pause, fence, delete. */
export function cellPivotRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  return [
    { apiGroups: capiGroups(), resources: ["*"], verbs: ["get", "list", "patch", "update", "delete"] },
    { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get", "list", "patch", "delete"] },
  ];
}

/** What the manifests need to know. */
export interface CellManifestOptions {
  namespace: string;
  image: string;
  replicas: number;
  /** How children reach the Service (LoadBalancer by default: agents dial in from other clusters). */
  serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
  /** host[:port] agents and nodes dial (default: the Service's DNS name). */
  advertise?: string;
}

/** ServiceAccount, Role(s) and bindings, Service, Deployment and PodDisruptionBudget, in apply order. */
export function renderCellManifests(o: CellManifestOptions): KubeObject[] {
  const labels = { "app.kubernetes.io/name": CELL_NAME, "app.kubernetes.io/managed-by": "lattice" };
  const selector = { "app.kubernetes.io/name": CELL_NAME };
  const meta = (name: string) => ({ name, namespace: o.namespace, labels });
  const advertise = o.advertise ?? `${CELL_NAME}.${o.namespace}.svc`;
  const rules = [
    // The CA, bootstrap token records (created by token issuers, consumed and collected here).
    { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "create", "update", "delete"] },
    // The endpoint ConfigMap.
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch"] },
    // Each replica's Lease, and the leader's.
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["get", "list", "create", "update", "patch", "delete"],
    },
    { apiGroups: ["agent.lattice.dev"], resources: ["clusterlinks"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["agent.lattice.dev"], resources: ["clusterlinks/status"], verbs: ["get", "patch"] },
    { apiGroups: ["agent.lattice.dev"], resources: ["agentcommands"], verbs: ["get", "list", "watch", "delete"] },
    { apiGroups: ["agent.lattice.dev"], resources: ["agentcommands/status"], verbs: ["patch"] },
    // The pivot mover (pivot/controller.ts): its journals, and the steps it queues for an agent.
    { apiGroups: ["agent.lattice.dev"], resources: ["clusterpivots"], verbs: ["get", "list", "create", "update"] },
    { apiGroups: ["agent.lattice.dev"], resources: ["clusterpivots/status"], verbs: ["get", "update"] },
    { apiGroups: ["agent.lattice.dev"], resources: ["agentcommands"], verbs: ["create"] },
  ];
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(CELL_NAME) },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: meta(CELL_NAME), rules },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(CELL_NAME),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: CELL_NAME },
      subjects: [{ kind: "ServiceAccount", name: CELL_NAME, namespace: o.namespace }],
    },
    // The cell makes sure its namespace exists at start (a read here: it does).
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `${CELL_NAME}-${o.namespace}`, labels },
      rules: [
        { apiGroups: [""], resources: ["namespaces"], resourceNames: [o.namespace], verbs: ["get"] },
        // The pivot mover: the parent's API identity, and which kinds move (CRD labels, versions).
        { apiGroups: [""], resources: ["namespaces"], resourceNames: ["kube-system"], verbs: ["get"] },
        { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `${CELL_NAME}-${o.namespace}`, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${CELL_NAME}-${o.namespace}` },
      subjects: [{ kind: "ServiceAccount", name: CELL_NAME, namespace: o.namespace }],
    },
    // What the pivot mover does to a cluster's Cluster API objects in the parent. Not bound here:
    // pivot/request.ts binds it in the one namespace of the cluster that is asked to pivot.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: CELL_PIVOT_ROLE, labels },
      rules: cellPivotRules(),
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(CELL_NAME),
      spec: {
        type: o.serviceType ?? "LoadBalancer",
        selector,
        ports: [
          { name: "link", port: LINK_PORT, targetPort: "link", protocol: "TCP" },
          { name: "bootstrap", port: BOOTSTRAP_PORT, targetPort: "bootstrap", protocol: "TCP" },
        ],
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(CELL_NAME),
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: CELL_NAME,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
              },
            ],
            containers: [
              {
                name: "cell",
                image: o.image,
                args: [
                  "cell",
                  "--namespace",
                  o.namespace,
                  "--listen",
                  `0.0.0.0:${LINK_PORT}`,
                  "--bootstrap-listen",
                  `0.0.0.0:${BOOTSTRAP_PORT}`,
                  "--advertise",
                  advertise.includes(":") ? advertise : `${advertise}:${LINK_PORT}`,
                  "--bootstrap-advertise",
                  `${advertise.replace(/:\d+$/, "")}:${BOOTSTRAP_PORT}`,
                  "--server-name",
                  CELL_NAME,
                ],
                env: [
                  { name: "LATTICE_LOG_LEVEL", value: "info" },
                  { name: "NODE_OPTIONS", value: CELL_NODE_OPTIONS },
                ],
                ports: [
                  { name: "link", containerPort: LINK_PORT, protocol: "TCP" },
                  { name: "bootstrap", containerPort: BOOTSTRAP_PORT, protocol: "TCP" },
                ],
                readinessProbe: {
                  httpGet: { path: "/healthz", port: "bootstrap", scheme: "HTTPS" },
                  periodSeconds: 5,
                  failureThreshold: 2,
                },
                livenessProbe: {
                  tcpSocket: { port: "link" },
                  initialDelaySeconds: 30,
                  periodSeconds: 20,
                  failureThreshold: 3,
                },
                resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "2Gi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(CELL_NAME),
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    },
  ];
}
