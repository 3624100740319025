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

/** Create one @pulumi/kubernetes resource per workload object, named `<component>-<kind>[-<object>]`
 * (the object's name is added when it is not the service's own, e.g. a volume's claim). */
export function createWorkload(
  component: string,
  service: string,
  objects: readonly KubeObject[],
  awaitReady: boolean,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource[] {
  return objects.map((obj) => {
    const cls = RESOURCES[obj.kind];
    if (!cls)
      throw new Error(
        `${component}: no @pulumi/kubernetes resource for workload kind ${obj.kind} (components/workload.ts)`,
      );
    const suffix = obj.metadata.name === service ? "" : `-${obj.metadata.name}`;
    const args = awaitReady
      ? obj
      : { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [SKIP_AWAIT]: "true" } } };
    return new cls(`${component}-${obj.kind.toLowerCase()}${suffix}`, args as never, opts);
  });
}
