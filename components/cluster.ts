// LatticeCluster: a Kubernetes cluster provisioned through Cluster API from a parent cluster. Its
// args are the LatticeCluster YAML kind's spec plus how to reach the parent. It compiles the CAPI
// manifests (core/cluster: provider × bootstrap), writes cloud credentials given as Pulumi secrets
// into the Secret the spec names, and provisions through the ProvisionedCluster dynamic resource,
// which waits until the cluster runs and its agent is connected over the outbound link.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { compileCluster } from "../core/cluster";
import { clusterProvider, workerPoolsOf, type LatticeCluster as ClusterDocument } from "../core/spec";
import { ProvisionedCluster } from "../providers/cluster";
import { documentOf } from "./agreement";
import { clusterPrerequisites, type ClusterPrerequisiteArgs } from "./prerequisites";

/** The spec of a LatticeCluster, as in YAML. */
export type ClusterSpec = ClusterDocument["spec"];

/** Arguments of a LatticeCluster. */
export interface LatticeClusterArgs {
  /** metadata.name; the component's name by default. */
  clusterName?: string;
  /** The namespace of the CAPI objects in the parent; "default" by default. */
  namespace?: string;
  spec: ClusterSpec;
  /** The parent cluster: its kubeconfig (kept as a secret), and optionally a provider for the Secrets written there. */
  parent: { kubeconfig: pulumi.Input<string>; provider?: k8s.Provider };
  /**
   * A root cluster: `parent` is only a bootstrap that provisions it and then goes away (`lattice
   * install` pivots the cluster into itself). No parent link: no token, no link files on its nodes,
   * no agent awaited; `agent` reports "none (root cluster)".
   */
  root?: boolean;
  /**
   * Cloud credentials from Pulumi config secrets: the data of the Secret the spec references
   * (aws credentialsSecretRef, proxmox credentials_secret_ref, openstack cloudsSecretRef). Absent:
   * that Secret must already exist in the parent.
   */
  credentials?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** How long provisioning, scaling and deletion may take before failing (default 1800 s). */
  timeoutSeconds?: number;
  /** The namespace of the parent's cell (default lattice-system). */
  linkNamespace?: string;
  /** Settings of what Lattice creates when spec.prerequisites is "create" (components/prerequisites). */
  prerequisites?: ClusterPrerequisiteArgs;
}

/** Validate component args as a LatticeCluster document (throws LatticeSpecError). */
export function clusterDocument(
  name: string,
  args: Pick<LatticeClusterArgs, "clusterName" | "namespace" | "spec">,
): ClusterDocument {
  return documentOf("LatticeCluster", name, {
    ...(args.clusterName ? { name: args.clusterName } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    spec: args.spec,
  });
}

/** The Secret a cluster's spec takes its cloud credentials from, if any. */
function credentialsSecretOf(doc: ClusterDocument): string | undefined {
  const p = clusterProvider(doc);
  switch (p.provider) {
    case "docker":
      return undefined;
    case "proxmox":
      return p.config.credentials_secret_ref.name;
    case "aws":
      return p.config.credentialsSecretRef.name;
    case "openstack":
      return p.config.cloudsSecretRef.name;
    default: {
      const never: never = p;
      throw new Error(`unknown provider ${JSON.stringify(never)}`);
    }
  }
}

/** A cluster that manages itself once provisioned, linked to its parent by its agent. */
export class LatticeCluster extends pulumi.ComponentResource {
  /** Cluster API's phase of the Cluster ("Provisioned" once created). */
  public readonly phase: pulumi.Output<string>;
  /** host:port of the child's API server. */
  public readonly controlPlaneEndpoint: pulumi.Output<string>;
  /** The child's admin kubeconfig (a Pulumi secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** The agent's link to the parent ("connected" once created). */
  public readonly agent: pulumi.Output<string>;
  public readonly machines: pulumi.Output<{ ready: number; total: number }>;
  /** Ids and names of the prerequisites Lattice created (empty unless spec.prerequisites is "create"). */
  public readonly prerequisites: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: LatticeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lattice:index:LatticeCluster", name, {}, opts);
    const doc = clusterDocument(name, args);
    const namespace = args.namespace ?? "default";
    const manifests = compileCluster(doc, { defaultNamespace: namespace, ...(args.root ? { root: true } : {}) });
    const workers = workerPoolsOf(doc).reduce((n, p) => n + p.replicas, 0);

    const dependsOn: pulumi.Resource[] = [];
    let parentProvider = args.parent.provider;
    const parentK8s = () =>
      (parentProvider ??= new k8s.Provider(
        `${name}-parent`,
        { kubeconfig: pulumi.secret(args.parent.kubeconfig) },
        { parent: this },
      ));
    // Cloud-side prerequisites (spec.prerequisites: create): created before the CAPI objects, deleted after them.
    const prerequisites = clusterPrerequisites(
      doc,
      { scope: this, name, namespace, parentProvider: parentK8s, credentialsGiven: !!args.credentials },
      args.prerequisites,
    );
    dependsOn.push(...(prerequisites?.resources ?? []));

    const secretName = credentialsSecretOf(doc);
    if (args.credentials && secretName) {
      const provider = parentK8s();
      dependsOn.push(
        new k8s.core.v1.Secret(
          `${name}-credentials`,
          {
            metadata: {
              name: secretName,
              namespace,
              labels: { "app.kubernetes.io/managed-by": "lattice", "lattice.dev/cluster": doc.metadata.name },
            },
            stringData: pulumi.secret(args.credentials),
          },
          { parent: this, provider },
        ),
      );
    } else if (args.credentials) {
      throw new pulumi.RunError(
        `LatticeCluster ${name}: credentials were given, but the ${clusterProvider(doc).provider} provider takes none`,
      );
    }

    const cluster = new ProvisionedCluster(
      `${name}-capi`,
      {
        kubeconfig: args.parent.kubeconfig,
        name: doc.metadata.name,
        namespace,
        fieldManager: `lattice.cluster.${namespace}.${doc.metadata.name}`,
        manifests,
        desired: { controlPlane: doc.spec.nodes.controlPlane.replicas, workers },
        timeoutSeconds: args.timeoutSeconds ?? 1800,
        ...(args.linkNamespace ? { linkNamespace: args.linkNamespace } : {}),
        ...(args.root ? { root: true } : {}),
      },
      { parent: this, dependsOn },
    );

    this.phase = cluster.phase;
    this.controlPlaneEndpoint = cluster.controlPlaneEndpoint;
    this.kubeconfig = pulumi.secret(cluster.childKubeconfig);
    this.agent = cluster.agent;
    this.machines = pulumi
      .all([cluster.machinesReady, cluster.machinesTotal])
      .apply(([ready, total]) => ({ ready, total }));
    this.prerequisites = prerequisites?.outputs ?? pulumi.output<Record<string, string>>({});
    this.registerOutputs({
      phase: this.phase,
      controlPlaneEndpoint: this.controlPlaneEndpoint,
      kubeconfig: this.kubeconfig,
      agent: this.agent,
      machines: this.machines,
      prerequisites: this.prerequisites,
    });
  }
}
