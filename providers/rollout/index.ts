// LatticeRollout: waits until a service's Deployment has rolled out (type
// pulumi-nodejs:dynamic/lattice:Rollout). The Deployment itself is a @pulumi/kubernetes resource
// created with the engine's own await skipped; this resource follows it (its inputs carry the
// Deployment's uid and generation, so every change of the Deployment is a new wait) and waits with
// Lattice's waiter (kube/rollout.ts): one progress line per change ("rollout webapp/api 2/3 ready"),
// and at the spec's deadline an error naming the service and the pod's reason. Nothing in the
// cluster belongs to it; delete is a no-op. The serialized provider is the shell of ../shell.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { shellProvider } from "../shell";

const provider = shellProvider(path.join(__dirname, "impl"));

/** What to wait for. */
export interface LatticeRolloutArgs {
  /** The cluster's kubeconfig (kept secret). */
  kubeconfig: pulumi.Input<string>;
  namespace: string;
  /** The Deployment's name. */
  name: string;
  /** Who waits, for progress and errors, e.g. "LatticeService webapp/api". */
  subject: string;
  /** The Deployment's metadata.uid and metadata.generation: a change of either is a new rollout. */
  uid: pulumi.Input<string>;
  generation: pulumi.Input<number>;
  /** How long to wait before failing `up`. */
  timeoutSeconds: number;
}

/** Waits for a Deployment's rollout; fails `up` with the pod's reason at the deadline. */
export class LatticeRollout extends pulumi.dynamic.Resource {
  /** Replicas ready when the wait ended. */
  public readonly ready!: pulumi.Output<number>;
  constructor(name: string, args: LatticeRolloutArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, kubeconfig: pulumi.secret(args.kubeconfig), ready: undefined },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "lattice",
      "Rollout",
    );
  }
}
