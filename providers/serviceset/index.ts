// ServiceSet: every object of a set of services — records, policies, workloads, namespace baselines —
// as one resource (type pulumi-nodejs:dynamic/lattice:ServiceSet; docs/decisions/resource-model.md).
// Its inputs are the members' documents and the digests of their objects, never the objects; the
// kubeconfig is a secret input and a secret output. The serialized provider is the shell of
// ../shell.ts; the work is in ./impl.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../../core/agreements";
import { shellProvider } from "../shell";
import type { MemberInputs } from "./plan";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of a ServiceSet (build members and baselines with ./plan.ts setInputsOf). */
export interface ServiceSetArgs {
  /** Kubeconfig content of the cluster; stored as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  trustDomain: string;
  awaitWorkloads: boolean;
  members: Record<string, MemberInputs>;
  baselines: Record<string, Record<string, string>>;
}

/** A set of services kept in a cluster, with the one-sided agreements found after each apply. */
export class ServiceSet extends pulumi.dynamic.Resource {
  /** One-sided agreements found in the cluster, for the members that have any ("namespace/name"). */
  declare public readonly oneSided: pulumi.Output<Record<string, OneSided[]>>;
  /** Declaration records in the cluster that could not be read. */
  declare public readonly unreadableRecords: pulumi.Output<string[]>;

  constructor(name: string, args: ServiceSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        trustDomain: args.trustDomain,
        awaitWorkloads: args.awaitWorkloads,
        members: args.members,
        baselines: args.baselines,
        applied: undefined,
        documents: undefined,
        oneSided: undefined,
        unreadableRecords: undefined,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "lattice",
      "ServiceSet",
    );
  }
}
