// The Lattice package: Pulumi components, the spec types (the YAML kinds' schemas) and the pure
// compilers, for use from your own Pulumi stacks.
//
//   import { LatticeService, fromYaml } from "@lattice/lattice";
export * from "./components";
export type {
  LatticeCluster as LatticeClusterDocument,
  LatticeExternalService as LatticeExternalServiceDocument,
  LatticeService as LatticeServiceDocument,
  ServiceSpec,
  SpecError,
} from "./core/spec";
export { loadDocuments, validateDocument, formatSpecError } from "./core/spec";
export { compileAll, compileService, compileExternal } from "./core/compile";
export { compileCluster } from "./core/cluster";
export { buildGraph, explain } from "./core/graph";
export type { OneSided } from "./core/agreements";
export { ObjectSet } from "./providers/objectset";
export { ServiceSet } from "./providers/serviceset";
export type { ServiceSetArgs } from "./providers/serviceset";
export { LatticePolicy } from "./providers/policy";
