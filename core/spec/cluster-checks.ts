// Rules a LatticeCluster must satisfy for its Cluster API manifests (core/cluster) to be accepted
// by the providers and to boot: checked here, in the one validator, so every entry point reports
// them as `file#doc: field: message` and the cluster compiler never meets a document it must refuse.
import type { z } from "zod";
import type { ProviderSpec } from "./cluster-providers";

/** The label Lattice sets on every worker (core/cluster POOL_LABEL); pools may not set it. */
const POOL_LABEL = "lattice.dev/pool";
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const KUBEADM_VERSION = /^v?[0-9]+\.[0-9]+\.[0-9]+$/;
/** The RKE2 provider's CRD pattern for versions, anchored. */
const RKE2_VERSION = /^v?[0-9]+\.[0-9]{2}\.[0-9]+\+rke2r[0-9]+$/;

interface Pool {
  readonly path: number | string;
  readonly memoryMib?: number | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Kubelets refuse to start with --node-labels under kubernetes.io/k8s.io, except these namespaces. */
function kubeletMaySet(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return true;
  const ns = key.slice(0, slash);
  const restricted =
    ns === "kubernetes.io" || ns === "k8s.io" || ns.endsWith(".kubernetes.io") || ns.endsWith(".k8s.io");
  if (!restricted) return true;
  return ["kubelet.kubernetes.io", "node.kubernetes.io"].some(
    (allowed) => ns === allowed || ns.endsWith("." + allowed),
  );
}

/** Add an issue for every rule the document breaks. */
export function checkClusterApiRules(
  kubernetes: { readonly version: string; readonly bootstrap: "kubeadm" | "rke2" },
  provider: ProviderSpec,
  pools: readonly Pool[],
  ctx: z.RefinementCtx,
): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const { version, bootstrap } = kubernetes;
  if (bootstrap === "rke2" && !RKE2_VERSION.test(version))
    issue(
      ["spec", "provider", "kubernetes", "version"],
      `rke2 needs an RKE2 release such as "v1.32.4+rke2r1", got ${JSON.stringify(version)}`,
    );
  if (bootstrap === "kubeadm" && !KUBEADM_VERSION.test(version))
    issue(
      ["spec", "provider", "kubernetes", "version"],
      `kubeadm needs a Kubernetes release such as "1.32.0" (no build suffix), got ${JSON.stringify(version)}`,
    );

  if (provider.provider === "proxmox") {
    const base = ["spec", "provider", "config", "proxmox"];
    for (const f of ["cp_memory_mib", "worker_memory_mib"] as const)
      if (provider.config[f] % 8 !== 0)
        issue([...base, f], `expected a multiple of 8 (CAPMOX sizes memory in 8 MiB steps), got ${provider.config[f]}`);
  }
  for (const pool of pools) {
    const path = ["spec", "nodes", "workers", pool.path];
    if (pool.memoryMib !== undefined && pool.memoryMib % 8 !== 0)
      issue(
        [...path, "memoryMib"],
        `expected a multiple of 8 (CAPMOX sizes memory in 8 MiB steps), got ${pool.memoryMib}`,
      );
    for (const [key, value] of Object.entries(pool.labels ?? {})) {
      if (key === POOL_LABEL) issue([...path, "labels", key], "is set by Lattice to the pool's name");
      else if (!kubeletMaySet(key))
        issue(
          [...path, "labels", key],
          "kubelets may not set labels under kubernetes.io or k8s.io (except node.kubernetes.io/ and kubelet.kubernetes.io/)",
        );
      if (!LABEL_VALUE.test(value))
        issue(
          [...path, "labels", key],
          `expected a label value (letters, digits, "-", "_", "." inside), got ${JSON.stringify(value)}`,
        );
    }
  }
}
