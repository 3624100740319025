// LatticeCluster → Cluster API manifests (provider × bootstrap), pure. compileCluster is the entry
// point for components; compileClusterResolved is the row in core/compile's COMPILERS table (so
// `lattice render` prints clusters); link-contract.ts is what the provisioning provider and the
// cell's bootstrap endpoint must agree with.
import type { CompiledHalf } from "../compile/service";
import type { ResolvedOptions } from "../compile/options";
import type { LatticeCluster } from "../spec";
import { compileCluster } from "./compile";

export { compileCluster } from "./compile";
export type { CompileClusterOptions } from "./compile";
export { checkClusterOptions, DEFAULT_KUBE_VIP_IMAGE, MAX_CA_PEM_BYTES } from "./options";
export type { ClusterCompileOptions, ParentLink } from "./options";
export { ClusterCompileError, ClusterOptionsError } from "./errors";
export {
  AGENT_KEY_SECRET,
  AGENT_NAMESPACE,
  BOOTSTRAP_CLAIM_CONFIGMAP,
  BOOTSTRAP_PATH,
  BOOTSTRAP_SECRET_KEYS,
  BOOTSTRAP_TOKEN_SPENT,
  BOOTSTRAP_SECRET_SUFFIX,
  NODE_PATHS,
  bootstrapSecretName,
} from "./link-contract";
export type { BootstrapRequest, BootstrapResponse } from "./link-contract";
export { renderBootstrapScript, KUBECTL_BY_BOOTSTRAP } from "./bootstrap-script";
export { CLUSTER_NETWORK } from "./capi";
export { CLUSTER_LABEL, CREDENTIALS_SOURCE_ANNOTATION, POOL_LABEL, clusterOwnershipLabels, names } from "./names";
export { PROXMOX_ENDPOINT_ANNOTATION } from "./proxmox";

/** COMPILERS' form: options already resolved by core/compile (cluster options checked there). */
export function compileClusterResolved(doc: LatticeCluster, opts: ResolvedOptions): CompiledHalf {
  return {
    workload: compileCluster(doc, { ...(opts.cluster ?? {}), defaultNamespace: opts.defaultNamespace }),
    policies: [],
  };
}
