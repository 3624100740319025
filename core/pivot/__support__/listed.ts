// Test support: the pivot fixture (test/harness/pivot-fixture.ts) as an API server would list it —
// deterministic UIDs, owner references resolved, statuses in place — without an API server.
import type { KubeObject } from "../../k8s/object";
import { provisionedCluster, type Fixture, type FixtureOptions } from "../../../test/harness/pivot-fixture";
import { CORE_TYPES } from "../discovery";
import type { DiscoveryType } from "../model";

const T = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  extra: Partial<DiscoveryType> = {},
): DiscoveryType => ({
  group,
  version,
  kind,
  plural,
  namespaced: true,
  forceMove: false,
  forceMoveHierarchy: false,
  ...extra,
});

/** The discovery types of the test bed's labelled CRD sets (what discoveryTypes returns for them). */
export const TYPES: DiscoveryType[] = [
  T("bootstrap.cluster.x-k8s.io", "v1beta2", "KubeadmConfig", "kubeadmconfigs"),
  T("bootstrap.cluster.x-k8s.io", "v1beta2", "KubeadmConfigTemplate", "kubeadmconfigtemplates"),
  T("cluster.x-k8s.io", "v1beta2", "Cluster", "clusters", { forceMove: true, forceMoveHierarchy: true }),
  T("cluster.x-k8s.io", "v1beta2", "ClusterClass", "clusterclasses", { forceMove: true, forceMoveHierarchy: true }),
  T("cluster.x-k8s.io", "v1beta2", "Machine", "machines"),
  T("cluster.x-k8s.io", "v1beta2", "MachineDeployment", "machinedeployments"),
  T("cluster.x-k8s.io", "v1beta2", "MachineSet", "machinesets"),
  T("controlplane.cluster.x-k8s.io", "v1beta2", "KubeadmControlPlane", "kubeadmcontrolplanes"),
  T("infrastructure.cluster.x-k8s.io", "v1beta2", "DockerCluster", "dockerclusters"),
  T("infrastructure.cluster.x-k8s.io", "v1beta2", "DockerMachine", "dockermachines"),
  T("infrastructure.cluster.x-k8s.io", "v1beta2", "DockerMachineTemplate", "dockermachinetemplates"),
  ...CORE_TYPES,
];

/** UID of a fixture object: stable and readable. */
export const uidFor = (namespace: string, key: string): string => `uid-${namespace}-${key.replace("/", "-")}`;

/** The fixture's objects as listed: uid, ownerReferences and status set. */
export function listed(fixture: Fixture): KubeObject[] {
  const byKey = new Map(fixture.objects.map((f) => [`${f.object.kind}/${f.object.metadata.name}`, f.object]));
  return fixture.objects.map((f) => {
    const o = structuredClone(f.object) as KubeObject & { status?: unknown };
    const key = `${o.kind}/${o.metadata.name}`;
    const meta = o.metadata as unknown as Record<string, unknown>;
    meta.uid = uidFor(fixture.namespace, key);
    meta.resourceVersion = "1";
    meta.creationTimestamp = "2026-12-01T00:00:00Z";
    if (f.owners.length)
      meta.ownerReferences = f.owners.map((r) => {
        const owner = byKey.get(r.key)!;
        return {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: uidFor(fixture.namespace, r.key),
          ...(r.controller !== undefined ? { controller: r.controller } : {}),
          ...(r.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: r.blockOwnerDeletion } : {}),
        };
      });
    if (f.status) o.status = f.status;
    return o;
  });
}

/** A provisioned cluster, listed. */
export function listedCluster(opts: FixtureOptions): { fixture: Fixture; objects: KubeObject[] } {
  const fixture = provisionedCluster(opts);
  return { fixture, objects: listed(fixture) };
}
