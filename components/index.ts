// Lattice's Pulumi components.
export { LatticeService, serviceDocument } from "./service";
export type { LatticeServiceArgs, ServiceOutputs } from "./service";
export { LatticeExternalService, externalServiceDocument } from "./external-service";
export type { ExternalServiceOutputs, ExternalServiceSpec, LatticeExternalServiceArgs } from "./external-service";
export { fromYaml } from "./load";
export type { LatticeYaml, LatticeYamlArgs } from "./load";
export { LatticeSpecError } from "./errors";
export type { ClusterTarget, MeshSettings } from "./target";
export { LatticeCluster, clusterDocument } from "./cluster";
export type { ClusterSpec, LatticeClusterArgs } from "./cluster";
