// What the per-provider prerequisite modules share: where resources go, how they are named, and
// the Secret in the parent cluster that hands a created credential to a Cluster API controller.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterOwnershipLabels } from "../../core/cluster";

/** Where a cluster's prerequisites are registered. */
export interface PrerequisiteContext {
  /** The LatticeCluster component: parent of every prerequisite. */
  readonly scope: pulumi.ComponentResource;
  /** The component's name: every resource is `<name>-<step key>`. */
  readonly name: string;
  /** "LatticeCluster <name>", for messages. */
  readonly who: string;
  /** metadata.name and the namespace of the CAPI objects. */
  readonly cluster: string;
  readonly namespace: string;
  /** The provider of the parent cluster (created on first use). */
  readonly parentProvider: () => k8s.Provider;
}

/** What a provider's prerequisites hand back to the component. */
export interface CreatedPrerequisites {
  /** Every resource created: the CAPI objects depend on all of them. */
  readonly resources: pulumi.Resource[];
  /** Facts worth exporting (ids, names); never a secret. */
  readonly outputs: pulumi.Output<Record<string, string>>;
}

/** A Secret in the parent holding a created credential, owned by the cluster (string data kept secret). */
export function credentialSecret(
  ctx: PrerequisiteContext,
  key: string,
  meta: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  },
  stringData: pulumi.Input<Record<string, pulumi.Input<string>>>,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    `${ctx.name}-${key}`,
    {
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        labels: { ...clusterOwnershipLabels(ctx.namespace, ctx.cluster), ...meta.labels },
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
      },
      type: "Opaque",
      stringData: pulumi.secret(stringData),
    },
    { parent: ctx.scope, provider: ctx.parentProvider() },
  );
}
