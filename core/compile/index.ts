// The service compiler: validated documents in, Kubernetes objects out. Pure: no I/O, no Pulumi, no
// cluster access. Per-document entry points (compileService, compileExternal) serve the Pulumi
// components; compileAll serves `lattice render` and checks what spans documents.
export { compileAll } from "./compile-all";
export type { CompileAllResult } from "./compile-all";
export { compileExternal, compileService, namespaceOf } from "./service";
export type { CompiledHalf } from "./service";
export { compileNamespaceBaseline, BASELINE_NAMES, KUBELET_PROBE_SOURCE } from "./baseline";
export { COMPILERS } from "./compilers";
export type { DocumentCompiler } from "./compilers";
export { CompileOptionsError, DEFAULT_DNS, resolveOptions } from "./options";
export type { CompileOptions, ResolvedOptions } from "./options";
export { compareObjects, sortObjects } from "./order";
export { HBONE_PORT } from "./service-policy";
export {
  CILIUM_NAMESPACE_LABEL,
  EGRESS_INTENT_VALUE,
  LABELS,
  MANAGED_BY,
  VOLUME_OWNER_VALUE,
  egressIntentLabel,
  ownershipLabels,
  principalOf,
  serviceAccountName,
  serviceSelector,
  volumeOwnerLabel,
} from "./identity";
export { compileCatalog, EMITTED_KINDS } from "./catalog";
