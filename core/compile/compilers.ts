// What each Lattice kind compiles to: a table from kind to compiler, so a new kind (or the cluster
// compiler) is one entry, and the type checker insists every kind has one.
import type { DocumentOf, LatticeKind } from "../spec";
import { compileClusterResolved } from "../cluster";
import type { SharedParts } from "./context";
import type { ResolvedOptions } from "./options";
import { compileExternalResolved, compileServiceResolved, type CompiledHalf } from "./service";

/** Compiles one document of kind K; `shared` holds sub-objects shared across one compileAll. */
export type DocumentCompiler<K extends LatticeKind> = (
  doc: DocumentOf<K>,
  opts: ResolvedOptions,
  shared: SharedParts,
) => CompiledHalf;

/** LatticeService → workload + its policy half; LatticeExternalService → egress policies +
 * ServiceEntries; LatticeCluster → Cluster API manifests (core/cluster). */
export const COMPILERS: { readonly [K in LatticeKind]: DocumentCompiler<K> } = {
  LatticeService: compileServiceResolved,
  LatticeExternalService: compileExternalResolved,
  LatticeCluster: compileClusterResolved,
};
