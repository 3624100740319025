// The one table from kind to group, version, plural and scope. Clients build URLs from it; nothing
// pluralises by appending "s". Add a row when Lattice starts emitting or reading a new kind.

/** What the API needs to address a kind. */
export interface KindInfo {
  readonly group: string; // "" for the core group
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const row = (group: string, version: string, kind: string, plural: string, namespaced = true): KindInfo => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

/** Every kind Lattice knows, keyed by "apiVersion/kind" (e.g. "apps/v1/Deployment", "v1/Secret"). */
export const KINDS: ReadonlyMap<string, KindInfo> = new Map(
  [
    // core and apps
    row("", "v1", "Namespace", "namespaces", false),
    row("", "v1", "ConfigMap", "configmaps"),
    row("", "v1", "Secret", "secrets"),
    row("", "v1", "Service", "services"),
    row("", "v1", "ServiceAccount", "serviceaccounts"),
    row("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
    row("", "v1", "Node", "nodes", false),
    row("", "v1", "Pod", "pods"),
    row("apps", "v1", "Deployment", "deployments"),
    row("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    row("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    row("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    row("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
    row("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
    row("coordination.k8s.io", "v1", "Lease", "leases"),
    row("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
    // Lattice's parent link (agent/deploy/crds)
    row("agent.lattice.dev", "v1alpha1", "AgentCommand", "agentcommands"),
    row("agent.lattice.dev", "v1alpha1", "ClusterLink", "clusterlinks"),
    row("agent.lattice.dev", "v1alpha1", "ClusterPivot", "clusterpivots"),
    // Cluster API core, read by the agent for machine phases
    row("cluster.x-k8s.io", "v1beta2", "Machine", "machines"),
    row("cluster.x-k8s.io", "v1beta1", "Machine", "machines"),
    // Cluster API manifests of a LatticeCluster (core/cluster); versions per docs/decisions/cluster-api-versions.md
    row("cluster.x-k8s.io", "v1beta2", "Cluster", "clusters"),
    row("cluster.x-k8s.io", "v1beta2", "MachineDeployment", "machinedeployments"),
    row("controlplane.cluster.x-k8s.io", "v1beta2", "KubeadmControlPlane", "kubeadmcontrolplanes"),
    row("bootstrap.cluster.x-k8s.io", "v1beta2", "KubeadmConfigTemplate", "kubeadmconfigtemplates"),
    row("controlplane.cluster.x-k8s.io", "v1beta2", "RKE2ControlPlane", "rke2controlplanes"),
    row("bootstrap.cluster.x-k8s.io", "v1beta2", "RKE2ConfigTemplate", "rke2configtemplates"),
    row("infrastructure.cluster.x-k8s.io", "v1beta2", "DockerCluster", "dockerclusters"),
    row("infrastructure.cluster.x-k8s.io", "v1beta2", "DockerMachineTemplate", "dockermachinetemplates"),
    row("infrastructure.cluster.x-k8s.io", "v1beta2", "AWSCluster", "awsclusters"),
    row("infrastructure.cluster.x-k8s.io", "v1beta2", "AWSMachineTemplate", "awsmachinetemplates"),
    row("infrastructure.cluster.x-k8s.io", "v1beta2", "AWSClusterStaticIdentity", "awsclusterstaticidentities", false),
    row("infrastructure.cluster.x-k8s.io", "v1alpha2", "ProxmoxCluster", "proxmoxclusters"),
    row("infrastructure.cluster.x-k8s.io", "v1alpha2", "ProxmoxMachineTemplate", "proxmoxmachinetemplates"),
    row("infrastructure.cluster.x-k8s.io", "v1beta1", "OpenStackCluster", "openstackclusters"),
    row("infrastructure.cluster.x-k8s.io", "v1beta1", "OpenStackMachineTemplate", "openstackmachinetemplates"),
    // Cilium v2
    row("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies"),
    row("cilium.io", "v2", "CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", false),
    // Istio v1
    row("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies"),
    row("security.istio.io", "v1", "PeerAuthentication", "peerauthentications"),
    row("networking.istio.io", "v1", "ServiceEntry", "serviceentries"),
    row("networking.istio.io", "v1", "Sidecar", "sidecars"),
  ].map((k) => [apiVersionOf(k) + "/" + k.kind, k]),
);

/** "group/version", or "version" for the core group. */
export function apiVersionOf(k: Pick<KindInfo, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The row for an apiVersion and kind; throws naming both when Lattice does not know the kind. */
export function kindInfo(apiVersion: string, kind: string): KindInfo {
  const info = KINDS.get(`${apiVersion}/${kind}`);
  if (!info) throw new Error(`unknown kind ${kind} in ${apiVersion}: add it to core/k8s/kinds.ts`);
  return info;
}
