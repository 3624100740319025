// The previous resource model's workload resources (before the ServiceSet, issue 16): compiled
// workload objects as @pulumi/kubernetes resources, one table from kind to resource class. Nothing
// deploys services this way any more; components/legacy.ts registers these resources once more,
// exactly as they were (so the engine changes nothing), while a stack made by that model upgrades.
// Keep the names, annotations and inputs as they were: a difference would update the cluster.
//
// That model waited with Lattice's waiter too: every object skipped @pulumi/kubernetes' await, and a
// LatticeRollout (providers/rollout, kept for the delete of older stacks) followed the Deployment.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../core/k8s/object";
import { LatticeRollout } from "../providers/rollout";

type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const RESOURCES: Readonly<Record<string, ResourceClass>> = {
  ServiceAccount: k8s.core.v1.ServiceAccount,
  Service: k8s.core.v1.Service,
  Deployment: k8s.apps.v1.Deployment,
  PersistentVolumeClaim: k8s.core.v1.PersistentVolumeClaim,
};

/** Skips @pulumi/kubernetes' readiness wait for an object. */
const SKIP_AWAIT = "pulumi.com/skipAwait";
/** Makes @pulumi/kubernetes take fields other managers hold (only for an adopting document). */
const PATCH_FORCE = "pulumi.com/patchForce";

/** How long `up` waits for a rollout when the spec does not say (as Deployments' own progress deadline). */
export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 600;

/** Wait for the rollout: the cluster, the deadline, and who waits (for messages). */
export interface RolloutWait {
  kubeconfig: pulumi.Input<string>;
  timeoutSeconds: number;
  /** e.g. "LatticeService webapp/api" */
  subject: string;
}

/** Create one @pulumi/kubernetes resource per workload object, named `<component>-<kind>[-<object>]`
 * (the object's name is added when it is not the service's own, e.g. a volume's claim), and a
 * `<component>-rollout` that waits for the Deployment when `wait` is given. Someone else's object of
 * the same name is refused beforehand by the service's membership; an adopting document (`adopt`)
 * forces field conflicts with its previous managers instead. */
export function createWorkload(
  component: string,
  service: string,
  objects: readonly KubeObject[],
  wait: RolloutWait | undefined,
  adopt: boolean,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource[] {
  const resources = objects.map((obj) => {
    const cls = RESOURCES[obj.kind];
    if (!cls)
      throw new Error(
        `${component}: no @pulumi/kubernetes resource for workload kind ${obj.kind} (components/workload.ts)`,
      );
    const suffix = obj.metadata.name === service ? "" : `-${obj.metadata.name}`;
    // Lattice waits for rollouts itself (LatticeRollout), so the engine's own wait is always skipped.
    const annotations = {
      ...obj.metadata.annotations,
      [SKIP_AWAIT]: "true",
      ...(adopt ? { [PATCH_FORCE]: "true" } : {}),
    };
    const args = { ...obj, metadata: { ...obj.metadata, annotations } };
    return new cls(`${component}-${obj.kind.toLowerCase()}${suffix}`, args as never, opts);
  });
  const deployment = resources[objects.findIndex((o) => o.kind === "Deployment")] as k8s.apps.v1.Deployment | undefined;
  if (!wait || !deployment) return resources;
  const rollout = new LatticeRollout(
    `${component}-rollout`,
    {
      kubeconfig: wait.kubeconfig,
      namespace: objects.find((o) => o.kind === "Deployment")!.metadata.namespace ?? "default",
      name: service,
      subject: wait.subject,
      uid: deployment.metadata.uid,
      generation: deployment.metadata.generation,
      timeoutSeconds: wait.timeoutSeconds,
    },
    { parent: opts.parent, dependsOn: resources },
  );
  return [...resources, rollout];
}
