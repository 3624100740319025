// ObjectSet: a keyed set of Kubernetes objects that Pulumi keeps in a cluster by server-side apply
// (type pulumi-nodejs:lattice:ObjectSet). The serialized provider is the shell of ../shell.ts; the
// work is in ./impl.ts. The kubeconfig is a secret input and a secret output.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { keyOf, type KubeObject } from "../../core/k8s/object";
import { shellProvider } from "../shell";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of an ObjectSet. */
export interface ObjectSetArgs {
  /** Kubeconfig content of the target cluster; stored as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  /** The field manager that owns the objects (default "lattice"). */
  fieldManager?: pulumi.Input<string>;
  /** The objects to keep applied. */
  objects: pulumi.Input<KubeObject[]>;
  /** Take over existing objects Lattice did not create (otherwise applying one is an error). */
  adopt?: boolean;
}

/** Objects keyed by "Kind/namespace/name"; a duplicate key is an error naming it. */
export function keyObjects(objects: readonly KubeObject[]): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const o of objects) {
    const k = keyOf(o);
    if (k in out) throw new Error(`ObjectSet: ${k} appears twice`);
    out[k] = o;
  }
  return out;
}

/** A set of Kubernetes objects applied with one field manager, pruned when they leave the set. */
export class ObjectSet extends pulumi.dynamic.Resource {
  /** The applied documents, keyed by "Kind/namespace/name". */
  declare public readonly objects: pulumi.Output<Record<string, KubeObject>>;
  declare public readonly fieldManager: pulumi.Output<string>;

  constructor(name: string, args: ObjectSetArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        fieldManager: args.fieldManager ?? "lattice",
        objects: pulumi.output(args.objects).apply(keyObjects),
        adopt: args.adopt ?? false,
        uids: undefined,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "lattice",
      "ObjectSet",
    );
  }
}
