// The per-service entry points: what a Pulumi component calls for ONE document, from that document
// and options alone (never another service's spec). See service-policy.ts for why that suffices.
import type { KubeObject } from "../k8s/object";
import type { LatticeExternalService, LatticeService } from "../spec";
import { compileExternalService as compileExternalHalf } from "./external";
import { serviceContext, SharedParts } from "./context";
import { ownershipLabels } from "./identity";
import { resolveOptions, type CompileOptions, type ResolvedOptions } from "./options";
import { sortObjects } from "./order";
import { compileServicePolicies } from "./service-policy";
import { compileWorkload } from "./workload";

/** What one document compiles to: workload objects (plain Kubernetes resources) and policy objects
 * (Cilium/Istio), each sorted. */
export interface CompiledHalf {
  readonly workload: KubeObject[];
  readonly policies: KubeObject[];
}

/** The namespace a document lives in. */
export function namespaceOf(doc: { metadata: { namespace?: string | undefined } }, defaultNamespace: string): string {
  return doc.metadata.namespace ?? defaultNamespace;
}

/** Internal form with options already resolved and parts shared with the other documents of one
 * compile (compileAll resolves once for many documents). */
export function compileServiceResolved(
  doc: LatticeService,
  opts: ResolvedOptions,
  shared = new SharedParts(opts.trustDomain),
): CompiledHalf {
  const ctx = serviceContext(doc, namespaceOf(doc, opts.defaultNamespace), shared);
  return { workload: compileWorkload(doc, ctx), policies: compileServicePolicies(ctx) };
}

/** Internal form of compileExternal with options already resolved. */
export function compileExternalResolved(
  doc: LatticeExternalService,
  opts: ResolvedOptions,
  _shared?: SharedParts,
): CompiledHalf {
  const namespace = namespaceOf(doc, opts.defaultNamespace);
  return { workload: [], policies: compileExternalHalf(doc, namespace, ownershipLabels(namespace, doc.metadata.name)) };
}

/**
 * Compile ONE LatticeService: its workload and its own half of each agreement. `doc` must be
 * validated (validateDocument). The namespace is metadata.namespace, else opts.defaultNamespace.
 * Namespace baselines are separate (compileNamespaceBaseline): one per namespace, not per service.
 */
export function compileService(doc: LatticeService, opts: CompileOptions): CompiledHalf {
  const half = compileServiceResolved(doc, resolveOptions(opts));
  return { workload: sortObjects(half.workload), policies: sortObjects(half.policies) };
}

/** Compile ONE LatticeExternalService: its egress policies and ServiceEntries (no workload). */
export function compileExternal(doc: LatticeExternalService, opts: CompileOptions): CompiledHalf {
  const half = compileExternalResolved(doc, resolveOptions(opts));
  return { workload: [], policies: sortObjects(half.policies) };
}
