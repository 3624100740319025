// LatticePolicy: the policy documents of one service, applied with its own field manager, and the
// one-sided agreements found when they were applied (type pulumi-nodejs:dynamic/lattice:Policy).
// The serialized provider is the shell of ../shell.ts; the work is in ./impl.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../../core/agreements";
import type { KubeObject } from "../../core/k8s/object";
import { keyObjects } from "../objectset";
import { shellProvider } from "../shell";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of a LatticePolicy. */
export interface LatticePolicyArgs {
  /** Kubeconfig content of the cluster; stored as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  /** The service these documents belong to, "namespace/name". */
  self: string;
  /** Its server-side apply field manager (one per service, so services share baselines safely). */
  fieldManager: string;
  /** The policy documents. */
  objects: pulumi.Input<KubeObject[]>;
  /** Take over existing objects Lattice did not create (otherwise applying one is an error). */
  adopt?: boolean;
  /**
   * Resources that must be deployed before these documents are diffed and applied (the declaration
   * records of the same program), so that the agreement check sees them.
   */
  waitFor?: ResourceList;
}

/** A list of resources, as the args of a LatticePolicy take it. */
export type ResourceList = pulumi.Input<pulumi.Input<pulumi.Resource>[]>;

/** What a resource's deployment resolves: its id (custom) or its URN (component). */
function deployedOf(r: pulumi.Resource): pulumi.Output<string> {
  return pulumi.CustomResource.isInstance(r) ? (r as pulumi.CustomResource).id : r.urn;
}

/**
 * A constant input that resolves only once every resource in `resources` is deployed (their ids
 * resolve when the engine has finished their step). dependsOn alone orders the apply, but the
 * engine may diff a resource as soon as it is registered; an input that waits delays registration.
 *
 * Resources never pass through an Output's apply here: apply scans the value it is given for
 * unknowns, and for a Resource that means walking everything it references (parent, providers,
 * their outputs). With every service waiting for every declaration record of its set, that walk
 * was the largest part of a no-op `up` of 100 services. Arrays and promises of resources take the
 * direct path; only an Output of resources still needs an apply.
 */
export function barrier(resources: ResourceList | undefined): pulumi.Output<string> {
  const settle = (list: pulumi.Input<pulumi.Resource>[]) =>
    pulumi.all(list.map(deployedOfInput)).apply(() => "deployed");
  if (resources === undefined) return settle([]);
  if (Array.isArray(resources)) return settle(resources);
  if (pulumi.Output.isInstance(resources)) return resources.apply(settle);
  return pulumi.output(resources.then(settle));
}

function deployedOfInput(r: pulumi.Input<pulumi.Resource>): pulumi.Input<string> {
  if (pulumi.Resource.isInstance(r)) return deployedOf(r);
  if (pulumi.Output.isInstance(r)) return r.apply(deployedOf);
  return pulumi.output(r.then(deployedOf));
}

/** `first` followed by `rest`, keeping arrays and promises of resources out of Outputs (see barrier). */
export function withFirst(first: pulumi.Resource, rest: ResourceList | undefined): ResourceList {
  if (rest === undefined) return [first];
  if (Array.isArray(rest)) return [first, ...rest];
  if (pulumi.Output.isInstance(rest)) return rest.apply((list) => [first, ...list]);
  return rest.then((list) => [first, ...list]);
}

/** A service's policy documents kept in the cluster, with the agreement check's result. */
export class LatticePolicy extends pulumi.dynamic.Resource {
  /** The applied documents, keyed by "Kind/namespace/name". */
  declare public readonly objects: pulumi.Output<Record<string, KubeObject>>;
  /** This service's one-sided agreements, as found in the cluster when it was last applied. */
  declare public readonly oneSided: pulumi.Output<OneSided[]>;
  /** Declaration records in the cluster that could not be read. */
  declare public readonly unreadableRecords: pulumi.Output<string[]>;

  constructor(name: string, args: LatticePolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        self: args.self,
        fieldManager: args.fieldManager,
        objects: pulumi.output(args.objects).apply(keyObjects),
        waitedFor: barrier(args.waitFor),
        adopt: args.adopt ?? false,
        uids: undefined,
        oneSided: undefined,
        unreadableRecords: undefined,
      },
      // The barrier input is also the ordering: its value depends on those resources' outputs.
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "lattice",
      "Policy",
    );
  }
}
