// LatticeMembership: a service's membership of its namespace — the shared namespace baseline and
// its own declaration record (type pulumi-nodejs:dynamic/lattice:Membership). The serialized
// provider is the shell of ../shell.ts; the work is in ./impl.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject, ObjectRef } from "../../core/k8s/object";
import { keyObjects } from "../objectset";
import { shellProvider } from "../shell";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of a LatticeMembership. */
export interface LatticeMembershipArgs {
  /** Kubeconfig content of the cluster; stored as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  namespace: string;
  /** The namespace's baseline objects (the same for every member). */
  baseline: KubeObject[];
  /** The member's declaration record. */
  record: KubeObject;
  /** The record's field manager (one per member). */
  recordManager: string;
  /** Take over existing objects Lattice did not create (otherwise applying one is an error). */
  adopt?: boolean;
  /** The member's workload objects (applied by @pulumi/kubernetes): checked for someone else's first. */
  workloads?: ObjectRef[];
}

/** A service's membership of its namespace: the shared baseline and its declaration record. */
export class LatticeMembership extends pulumi.dynamic.Resource {
  declare public readonly record: pulumi.Output<Record<string, KubeObject>>;

  constructor(name: string, args: LatticeMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        namespace: args.namespace,
        baseline: keyObjects(args.baseline),
        record: keyObjects([args.record]),
        recordManager: args.recordManager,
        adopt: args.adopt ?? false,
        workloads: args.workloads ?? [],
        uids: undefined,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "lattice",
      "Membership",
    );
  }
}
