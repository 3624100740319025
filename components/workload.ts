// Compiled workload objects as @pulumi/kubernetes resources: one table from kind to resource class,
// so `pulumi preview` shows each Deployment, Service, ServiceAccount and PVC by its own type.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../core/k8s/object";

type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const RESOURCES: Readonly<Record<string, ResourceClass>> = {
  ServiceAccount: k8s.core.v1.ServiceAccount,
  Service: k8s.core.v1.Service,
  Deployment: k8s.apps.v1.Deployment,
  PersistentVolumeClaim: k8s.core.v1.PersistentVolumeClaim,
};

/** Skips @pulumi/kubernetes' readiness wait for an object (for clusters without nodes). */
const SKIP_AWAIT = "pulumi.com/skipAwait";
/** Makes @pulumi/kubernetes take fields other managers hold (only for an adopting document). */
const PATCH_FORCE = "pulumi.com/patchForce";

/** Create one @pulumi/kubernetes resource per workload object, named `<component>-<kind>[-<object>]`
 * (the object's name is added when it is not the service's own, e.g. a volume's claim). Someone
 * else's object of the same name is refused beforehand by the service's membership; an adopting
 * document (`adopt`) forces field conflicts with its previous managers instead. */
export function createWorkload(
  component: string,
  service: string,
  objects: readonly KubeObject[],
  awaitReady: boolean,
  adopt: boolean,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource[] {
  return objects.map((obj) => {
    const cls = RESOURCES[obj.kind];
    if (!cls)
      throw new Error(
        `${component}: no @pulumi/kubernetes resource for workload kind ${obj.kind} (components/workload.ts)`,
      );
    const suffix = obj.metadata.name === service ? "" : `-${obj.metadata.name}`;
    const annotations = {
      ...obj.metadata.annotations,
      ...(awaitReady ? {} : { [SKIP_AWAIT]: "true" }),
      ...(adopt ? { [PATCH_FORCE]: "true" } : {}),
    };
    const args = awaitReady && !adopt ? obj : { ...obj, metadata: { ...obj.metadata, annotations } };
    return new cls(`${component}-${obj.kind.toLowerCase()}${suffix}`, args as never, opts);
  });
}
