// Test support for core/cluster: the example clusters, each in both bootstraps, and the parent link
// the golden files are compiled with. (Under a "__" directory: test-only, exempt from the purity test.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadValid } from "../../testing/fixtures";
import { PROVIDERS, validateDocument, type LatticeCluster, type ProviderName } from "../../spec";
import type { ParentLink } from "../options";

export const BOOTSTRAPS = ["kubeadm", "rke2"] as const;
export type BootstrapName = (typeof BOOTSTRAPS)[number];

/** Every provider × bootstrap, e.g. ["docker", "kubeadm"]. */
export const COMBINATIONS: [ProviderName, BootstrapName][] = PROVIDERS.flatMap((p) =>
  BOOTSTRAPS.map((b) => [p, b] as [ProviderName, BootstrapName]),
);

/** The parent link of the golden files. */
export const GOLDEN_PARENT: ParentLink = {
  bootstrapUrl: "https://cell.parent.example:8443",
  caPem: readFileSync(join(__dirname, "../__golden__/parent-ca.crt"), "utf8"),
};

/** Validate a document that must be a valid LatticeCluster. */
export function validCluster(value: unknown): LatticeCluster {
  const v = validateDocument(value, { file: "test", doc: 1 }, "LatticeCluster");
  if (!v.ok) throw new Error(v.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return v.value;
}

/** examples/clusters/<provider>.yaml. */
export function exampleCluster(provider: ProviderName): LatticeCluster {
  const [doc] = loadValid(`examples/clusters/${provider}.yaml`);
  if (!doc || doc.doc.kind !== "LatticeCluster")
    throw new Error(`examples/clusters/${provider}.yaml has no LatticeCluster`);
  return doc.doc;
}

/** The document with another bootstrap: the same Kubernetes release, as kubeadm or RKE2 spells it. */
export function withBootstrap(doc: LatticeCluster, bootstrap: BootstrapName): LatticeCluster {
  const copy = JSON.parse(JSON.stringify(doc)) as LatticeCluster;
  const k8s = /^v?([0-9]+\.[0-9]+\.[0-9]+)/.exec(doc.spec.provider.kubernetes.version)?.[1] ?? "1.32.4";
  copy.spec.provider.kubernetes = { bootstrap, version: bootstrap === "rke2" ? `v${k8s}+rke2r1` : k8s };
  return validCluster(copy);
}

/** The example of `provider` with `bootstrap`. */
export function exampleWith(provider: ProviderName, bootstrap: BootstrapName): LatticeCluster {
  return withBootstrap(exampleCluster(provider), bootstrap);
}
