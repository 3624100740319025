// The Cluster API provisioning resource of a LatticeCluster (type pulumi-nodejs:dynamic/lattice:Cluster).
// The serialized provider is the shell of ../shell.ts; the work is in ./impl.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../../core/k8s/object";
import { keyObjects } from "../objectset";
import { shellProvider } from "../shell";
import type { Desired } from "./readiness";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of a ProvisionedCluster. */
export interface ProvisionedClusterArgs {
  /** The parent cluster's kubeconfig; stored as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  name: string;
  namespace: string;
  fieldManager: string;
  manifests: KubeObject[];
  desired: Desired;
  timeoutSeconds: number;
  linkNamespace?: string;
  /** Root mode: no parent link (see impl.ts ClusterInputs.root). */
  root?: boolean;
}

/** A cluster provisioned through Cluster API in the parent, ready and linked when created. */
export class ProvisionedCluster extends pulumi.dynamic.Resource {
  declare public readonly phase: pulumi.Output<string>;
  declare public readonly controlPlaneEndpoint: pulumi.Output<string>;
  declare public readonly machinesReady: pulumi.Output<number>;
  declare public readonly machinesTotal: pulumi.Output<number>;
  declare public readonly agent: pulumi.Output<string>;
  declare public readonly childKubeconfig: pulumi.Output<string>;
  declare public readonly objects: pulumi.Output<Record<string, KubeObject>>;

  constructor(name: string, args: ProvisionedClusterArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        name: args.name,
        namespace: args.namespace,
        fieldManager: args.fieldManager,
        objects: keyObjects(args.manifests),
        desired: args.desired,
        timeoutSeconds: args.timeoutSeconds,
        ...(args.linkNamespace ? { linkNamespace: args.linkNamespace } : {}),
        ...(args.root ? { root: true } : {}),
        phase: undefined,
        controlPlaneEndpoint: undefined,
        machinesReady: undefined,
        machinesTotal: undefined,
        agent: undefined,
        childKubeconfig: undefined,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig", "childKubeconfig"] },
      "lattice",
      "Cluster",
    );
  }
}
