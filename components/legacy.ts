// Upgrading a stack deployed by the previous resource model (docs/decisions/resource-model.md,
// "Upgrading a stack made by the previous model"). That model kept each service's workload in
// @pulumi/kubernetes resources (`<component>-deployment`, `-service`, `-serviceaccount`, …, under a
// LatticeService component, through a kubernetes provider). Dropping them from the program would make
// the engine delete them, and with them the live Deployment, after the ServiceSet had taken it over.
// So, for one run, the program registers them once more, exactly as that model did (same names,
// parents, provider and inputs: the engine finds nothing to change), with retainOnDelete: on the next
// run, when they are not registered any more, the engine drops them from its state without a call to
// the cluster. Which services need this is read from the cluster: their workload objects still carry
// a @pulumi/kubernetes field manager. The ServiceSet releases those managers when it takes the
// objects over, so the run after the upgrade finds none and registers nothing.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { compileService } from "../core/compile";
import { LABELS, MANAGED_BY } from "../core/compile/identity";
import type { LatticeService as LatticeServiceDocument } from "../core/spec";
import { KubeClient } from "../kube/client";
import { managersOf } from "../providers/objectset/fields";
import { createWorkload } from "./workload";

/** A service that the previous model may have deployed, and where its resources were. */
export interface LegacyCandidate {
  /** The previous model's component name ("shop/api", or "api" in "default"). */
  component: string;
  doc: LatticeServiceDocument;
  namespace: string;
  /** The document or component adopts existing objects (the previous model forced field conflicts then). */
  adopt: boolean;
  /**
   * The LatticeService component the resources were children of, when it still exists (a component
   * made in a program); for YAML, whose services are no components any more, one is registered again.
   */
  parent?: pulumi.Resource;
  /** The kubernetes provider the program passed, if any (otherwise the previous model made one). */
  provider?: k8s.Provider;
}

/** How the previous model's resources are registered again. */
export interface LegacySettings {
  kubeconfig: pulumi.Input<string>;
  trustDomain: string;
  /** The options the program gave fromYaml or the component (their parent goes into the URNs). */
  opts?: pulumi.ComponentResourceOptions;
  /** fromYaml made one provider "lattice" for the whole set; a component made "<name>-cluster" under itself. */
  yaml: boolean;
}

/** Workload kinds the previous model kept in @pulumi/kubernetes resources. */
const WORKLOAD_KINDS = [
  ["v1", "ServiceAccount"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "Service"],
  ["apps/v1", "Deployment"],
] as const;

/** "namespace/name" of each service whose workload objects a @pulumi/kubernetes field manager still holds. */
export async function servicesHeldByKubernetesProvider(
  kubeconfig: string,
  namespaces: readonly string[],
): Promise<Set<string>> {
  const c = KubeClient.fromKubeconfig(kubeconfig);
  const held = new Set<string>();
  try {
    const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const lists = namespaces.flatMap((namespace) =>
      WORKLOAD_KINDS.map(([apiVersion, kind]) => c.list(apiVersion, kind, { namespace, labelSelector: selector })),
    );
    for (const o of (await Promise.all(lists)).flat()) {
      const service = o.metadata.labels?.[LABELS.service];
      if (service && managersOf(o).some((m) => m.startsWith("pulumi-kubernetes-")))
        held.add(`${o.metadata.namespace}/${service}`);
    }
  } catch (e) {
    throw new pulumi.RunError(
      `Lattice: cannot read the cluster to find workloads of the previous resource model ` +
        `(${(e as Error).message}); check the kubeconfig and that the API server is reachable, then run again`,
    );
  } finally {
    c.close();
  }
  return held;
}

/** The value of an input, or undefined when it is not known yet (a preview before the cluster exists). */
async function known(v: pulumi.Input<string>): Promise<string | undefined> {
  if (typeof v === "string") return v;
  const o = pulumi.output(v) as unknown as { isKnown: Promise<boolean>; promise(): Promise<string> };
  return (await o.isKnown) ? o.promise() : undefined;
}

/**
 * Register what the previous model left that must not be deleted; resolves to those resources (for
 * the ServiceSet to depend on). Nothing for a stack that never had them.
 */
export async function registerLegacy(
  candidates: readonly LegacyCandidate[],
  settings: LegacySettings,
): Promise<pulumi.Resource[]> {
  if (!candidates.length) return [];
  const kubeconfig = await known(settings.kubeconfig);
  if (kubeconfig === undefined) return [];
  const held = await servicesHeldByKubernetesProvider(kubeconfig, [...new Set(candidates.map((c) => c.namespace))]);
  const legacy = candidates.filter((c) => held.has(`${c.namespace}/${c.doc.metadata.name}`));
  if (!legacy.length) return [];

  const parentOpts = settings.opts?.parent ? { parent: settings.opts.parent } : {};
  let shared: k8s.Provider | undefined;
  const resources: pulumi.Resource[] = [];
  for (const c of legacy) {
    const parent =
      c.parent ?? new pulumi.ComponentResource("lattice:index:LatticeService", c.component, {}, parentOpts);
    const provider =
      c.provider ??
      (settings.yaml
        ? (shared ??= new k8s.Provider("lattice", { kubeconfig: pulumi.secret(kubeconfig) }, settings.opts))
        : new k8s.Provider(`${c.component}-cluster`, { kubeconfig: pulumi.secret(kubeconfig) }, { parent }));
    const compiled = compileService(c.doc, { trustDomain: settings.trustDomain, defaultNamespace: c.namespace });
    void pulumi.log.info(
      `${c.namespace}/${c.doc.metadata.name}: upgrading from the previous resource model ` +
        `(its @pulumi/kubernetes resources leave the state on the next run; the live objects stay)`,
      parent,
    );
    resources.push(
      ...createWorkload(c.component, c.doc.metadata.name, compiled.workload, undefined, c.adopt, {
        parent,
        provider,
        retainOnDelete: true,
      }),
    );
  }
  return resources;
}
