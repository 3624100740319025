// Options of every compile function. The trust domain is always the caller's: Istio's default
// ("cluster.local") is only one possible value and is never assumed here.
import { checkClusterOptions, type ClusterCompileOptions } from "../cluster/options";
import type { StringMap } from "../k8s/object";

export interface CompileOptions {
  /** The mesh's trust domain; principals are `<trustDomain>/ns/<ns>/sa/<name>`. */
  readonly trustDomain: string;
  /** The namespace of documents without metadata.namespace. */
  readonly defaultNamespace: string;
  /** Where cluster DNS runs (egress to it is allowed, with the DNS rule toFQDNs needs). */
  readonly dns?: { readonly namespace: string; readonly labels: StringMap };
  /** How LatticeCluster manifests reach the parent, and cluster compiler settings (core/cluster/options.ts). */
  readonly cluster?: ClusterCompileOptions;
}

/** Options with defaults filled in. */
export interface ResolvedOptions {
  readonly trustDomain: string;
  readonly defaultNamespace: string;
  readonly dns: { readonly namespace: string; readonly labels: StringMap };
  readonly cluster?: ClusterCompileOptions;
}

/** A bad option: the caller's mistake (not a document's), so it is thrown, naming the option. */
export class CompileOptionsError extends Error {
  constructor(
    readonly option: keyof CompileOptions,
    reason: string,
  ) {
    super(`compile option ${option}: ${reason}`);
    this.name = "CompileOptionsError";
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9_]*[a-z0-9])?)*$/;

/** kube-dns as kubeadm, RKE2 and most distributions deploy it. */
export const DEFAULT_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } as const;

/** Check and complete options; throws CompileOptionsError naming the bad one. */
export function resolveOptions(opts: CompileOptions): ResolvedOptions {
  if (!TRUST_DOMAIN.test(opts.trustDomain) || opts.trustDomain.length > 253)
    throw new CompileOptionsError(
      "trustDomain",
      `expected a DNS-like name such as "prod.example.com", got ${JSON.stringify(opts.trustDomain)}`,
    );
  if (!DNS_LABEL.test(opts.defaultNamespace) || opts.defaultNamespace.length > 63)
    throw new CompileOptionsError(
      "defaultNamespace",
      `expected a DNS label, got ${JSON.stringify(opts.defaultNamespace)}`,
    );
  const dns = opts.dns ?? DEFAULT_DNS;
  if (!DNS_LABEL.test(dns.namespace) || Object.keys(dns.labels).length === 0)
    throw new CompileOptionsError("dns", "expected a namespace and at least one label selecting the DNS pods");
  const clusterProblem = opts.cluster && checkClusterOptions(opts.cluster);
  if (clusterProblem) throw new CompileOptionsError("cluster", clusterProblem);
  return {
    trustDomain: opts.trustDomain,
    defaultNamespace: opts.defaultNamespace,
    dns,
    ...(opts.cluster ? { cluster: opts.cluster } : {}),
  };
}
