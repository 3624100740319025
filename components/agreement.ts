// What services and external services share: their args validated as the YAML kind (one validator
// for YAML, args and providers), and their deployment as members of a ServiceSet (one resource for
// a set of services: docs/decisions/resource-model.md), whose one-sided agreements become warnings.
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../core/agreements";
import { validateDocument, type DocumentOf } from "../core/spec";
import { ServiceSet } from "../providers/serviceset";
import { refOfDocument, setInputsOf, type MemberSource } from "../providers/serviceset/plan";
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

/** What a set of members is deployed with. */
export interface SetArgs {
  kubeconfig: pulumi.Input<string>;
  trustDomain: string;
  awaitWorkloads: boolean;
  members: readonly MemberSource[];
  /** The namespace of documents that name none. */
  defaultNamespace: string;
  /** Where one-sided agreements are reported (a component, or the set itself). */
  warnOn?: pulumi.Resource;
}

/** A deployed set, and each member's one-sided agreements as found in the cluster. */
export interface DeployedSet {
  set: ServiceSet;
  oneSidedOf(ref: string): pulumi.Output<OneSided[]>;
}

/** One ServiceSet for `a.members`; its one-sided agreements are logged as warnings once resolved. */
export function deploySet(name: string, a: SetArgs, opts: pulumi.CustomResourceOptions): DeployedSet {
  const inputs = setInputsOf(a.members, { trustDomain: a.trustDomain }, a.defaultNamespace);
  const set = new ServiceSet(
    name,
    {
      kubeconfig: a.kubeconfig,
      trustDomain: a.trustDomain,
      awaitWorkloads: a.awaitWorkloads,
      members: inputs.members,
      baselines: inputs.baselines,
    },
    opts,
  );
  const all = set.oneSided.apply((found) => {
    for (const ref of Object.keys(inputs.members))
      for (const o of found?.[ref] ?? []) void pulumi.log.warn(`one-sided agreement: ${o.message}`, a.warnOn ?? set);
    return found ?? {};
  });
  return { set, oneSidedOf: (ref) => all.apply((found) => found[ref] ?? []) };
}

/** What one component (a LatticeService or LatticeExternalService) deploys as its own set. */
export interface MemberArgs extends AdoptOption {
  kubeconfig: pulumi.Input<string>;
  trustDomain: string;
  awaitWorkloads: boolean;
  namespace: string;
}

/**
 * The set of one member a component owns, named `<component>-set`, with the component as parent and
 * the place its one-sided agreements are reported. Returns the set and the member's one-sided list.
 */
export function deployMember(
  owner: pulumi.ComponentResource,
  component: string,
  doc: MemberSource["doc"],
  a: MemberArgs,
  dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | undefined,
): { set: ServiceSet; oneSided: pulumi.Output<OneSided[]> } {
  const deployed = deploySet(
    `${component}-set`,
    {
      kubeconfig: a.kubeconfig,
      trustDomain: a.trustDomain,
      awaitWorkloads: a.awaitWorkloads,
      members: [{ doc, adopt: a.adopt ?? false }],
      defaultNamespace: a.namespace,
      warnOn: owner,
    },
    { parent: owner, ...(dependsOn ? { dependsOn } : {}) },
  );
  return { set: deployed.set, oneSided: deployed.oneSidedOf(`${a.namespace}/${doc.metadata.name}`) };
}

export { refOfDocument };
