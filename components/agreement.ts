// What a service and an external service share: their args validated as the YAML kind (one
// validator for YAML, args and providers), and their half of every agreement — the membership of
// their namespace (shared baseline + declaration record) and then their policy documents, checked
// against every declaration in the cluster. One-sided agreements become warnings on the component.
import * as pulumi from "@pulumi/pulumi";
import { compileDeclarationRecord, type OneSided } from "../core/agreements";
import { compileNamespaceBaseline, resolveOptions } from "../core/compile";
import type { KubeObject, ObjectRef } from "../core/k8s/object";
import { validateDocument, type DocumentOf, type LatticeExternalService, type LatticeService } from "../core/spec";
import { LatticeMembership } from "../providers/membership";
import { LatticePolicy, withFirst } from "../providers/policy";
import { LatticeSpecError } from "./errors";

/** Validate component args as a document of `kind`; throws LatticeSpecError with every problem. */
export function documentOf<K extends "LatticeService" | "LatticeExternalService" | "LatticeCluster">(
  kind: K,
  component: string,
  args: { name?: string; namespace?: string; spec: unknown },
): DocumentOf<K> {
  const value = {
    apiVersion: "lattice.dev/v1alpha1",
    kind,
    metadata: { name: args.name ?? component, ...(args.namespace ? { namespace: args.namespace } : {}) },
    spec: args.spec,
  };
  const v = validateDocument(value, { file: `${kind} ${component}`, doc: 1 }, kind);
  if (!v.ok) throw new LatticeSpecError(v.errors, `${kind} ${component}`);
  return v.value;
}

/** The field manager of one member's objects: unique per service. */
export function fieldManagerOf(kind: "policy" | "declarations", namespace: string, name: string): string {
  return `lattice.${kind}.${namespace}.${name}`;
}

/** Everything needed to deploy one member's half. */
export interface HalfArgs {
  kubeconfig: pulumi.Input<string>;
  namespace: string;
  trustDomain: string;
  doc: LatticeService | LatticeExternalService;
  policies: KubeObject[];
  /** Other members' memberships to wait for before the policies (see LatticeServiceArgs.agreementsAfter). */
  after?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  /** Take over existing objects Lattice did not create (see AdoptOption). */
  adopt?: boolean;
  /** The member's workload objects, whose names the membership checks before they are applied. */
  workloads?: ObjectRef[];
}

/** The ownership opt-in every component that writes objects takes. */
export interface AdoptOption {
  /**
   * Take over existing objects of the same names that Lattice did not create (made by kubectl,
   * another tool or another stack). Without it, such an object is an error naming it and its
   * managers: Lattice never takes an object silently. In YAML: metadata.annotations
   * ["lattice.dev/adopt"]: "true". Default false.
   */
  adopt?: boolean;
}

/** A member's deployed half: its membership and policies, and what the policy check found. */
export interface Half {
  membership: LatticeMembership;
  policy: LatticePolicy;
  policyDocuments: pulumi.Output<string[]>;
  oneSided: pulumi.Output<OneSided[]>;
}

/** Deploy membership, then policies (waiting for `after`), as children of `parent`. */
export function deployHalf(parent: pulumi.ComponentResource, name: string, a: HalfArgs): Half {
  const ref = `${a.namespace}/${a.doc.metadata.name}`;
  const membership = new LatticeMembership(
    `${name}-declarations`,
    {
      kubeconfig: a.kubeconfig,
      namespace: a.namespace,
      baseline: compileNamespaceBaseline(
        a.namespace,
        resolveOptions({ trustDomain: a.trustDomain, defaultNamespace: a.namespace }),
      ),
      record: compileDeclarationRecord(a.doc, a.namespace),
      recordManager: fieldManagerOf("declarations", a.namespace, a.doc.metadata.name),
      adopt: a.adopt ?? false,
      workloads: a.workloads ?? [],
    },
    { parent },
  );
  const policy = new LatticePolicy(
    `${name}-policy`,
    {
      kubeconfig: a.kubeconfig,
      self: ref,
      fieldManager: fieldManagerOf("policy", a.namespace, a.doc.metadata.name),
      objects: a.policies,
      waitFor: withFirst(membership, a.after),
      adopt: a.adopt ?? false,
    },
    { parent },
  );
  return {
    membership,
    policy,
    policyDocuments: policy.objects.apply((o) => Object.keys(o).sort()),
    oneSided: policy.oneSided.apply((list) => {
      for (const o of list ?? []) void pulumi.log.warn(`one-sided agreement: ${o.message}`, parent);
      return list ?? [];
    }),
  };
}
