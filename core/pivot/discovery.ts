// Which kinds take part in a move, as clusterctl v1.14.2 decides it (objectgraph.go
// getDiscoveryTypes): every CRD carrying the label key `clusterctl.cluster.x-k8s.io`, at its
// storage version, plus core Secrets and ConfigMaps. We also accept `cluster.x-k8s.io/provider`
// (what upstream Lattice's installer puts on CRDs instead). Cluster, ClusterClass and
// ClusterResourceSet are hierarchy roots; a CRD labelled /move-hierarchy is a root too, and /move
// force-moves every object of the kind.
import type { KubeObject } from "../k8s/object";
import { CAPI, CLUSTERCTL, type DiscoveryType } from "./model";

interface CrdSpec {
  group: string;
  scope: "Namespaced" | "Cluster";
  names: { kind: string; plural: string };
  versions: { name: string; storage?: boolean; served?: boolean }[];
}

const ROOTS = new Set([
  `${CAPI.group}/Cluster`,
  `${CAPI.group}/ClusterClass`,
  `${CAPI.addonsGroup}/ClusterResourceSet`,
]);

/** True when the CRD takes part in discovery. */
export function isDiscoveryCrd(crd: KubeObject): boolean {
  const labels = crd.metadata.labels ?? {};
  return CLUSTERCTL.label in labels || CAPI.providerLabel in labels;
}

/** The CRD's storage version (undefined for a malformed CRD). */
export function storageVersion(crd: KubeObject): string | undefined {
  return (crd.spec as CrdSpec | undefined)?.versions?.find((v) => v.storage)?.name;
}

/** "group/Kind" a CRD defines. */
export function crdGroupKind(crd: KubeObject): string {
  const spec = crd.spec as CrdSpec;
  return `${spec.group}/${spec.names.kind}`;
}

/** Secrets and ConfigMaps: always listed, never roots. */
export const CORE_TYPES: readonly DiscoveryType[] = [
  {
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    namespaced: true,
    forceMove: false,
    forceMoveHierarchy: false,
  },
  {
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    namespaced: true,
    forceMove: false,
    forceMoveHierarchy: false,
  },
];

/** The discovery types of a set of CRDs (any CRDs: unlabelled ones are ignored), sorted by group/kind. */
export function discoveryTypes(crds: readonly KubeObject[]): DiscoveryType[] {
  const out: DiscoveryType[] = [];
  for (const crd of crds) {
    if (!isDiscoveryCrd(crd)) continue;
    const spec = crd.spec as CrdSpec;
    const version = storageVersion(crd);
    if (!version) continue;
    const labels = crd.metadata.labels ?? {};
    const forceMoveHierarchy = ROOTS.has(`${spec.group}/${spec.names.kind}`) || CLUSTERCTL.moveHierarchy in labels;
    out.push({
      group: spec.group,
      version,
      kind: spec.names.kind,
      plural: spec.names.plural,
      namespaced: spec.scope !== "Cluster",
      forceMove: forceMoveHierarchy || CLUSTERCTL.move in labels,
      forceMoveHierarchy,
    });
  }
  out.sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
  return [...out, ...CORE_TYPES];
}

/** CRDs of Cluster API groups that carry neither label: clusterctl would not move their objects. */
export function unlabelledCapiCrds(crds: readonly KubeObject[]): string[] {
  return crds
    .filter((c) => !isDiscoveryCrd(c) && /(^|\.)cluster\.x-k8s\.io$/.test((c.spec as CrdSpec).group))
    .map(crdGroupKind)
    .sort();
}
