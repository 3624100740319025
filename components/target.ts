// Where Lattice components deploy: a cluster, given by its kubeconfig (which the dynamic providers
// need, as a secret) and optionally an existing @pulumi/kubernetes provider for the workloads.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The cluster a component deploys to. */
export interface ClusterTarget {
  /** The cluster's kubeconfig content. Kept as a Pulumi secret. */
  kubeconfig: pulumi.Input<string>;
  /**
   * The @pulumi/kubernetes provider for workload objects. Pass one shared provider when you create
   * many components (each provider is its own plugin instance); one is created if absent.
   */
  provider?: k8s.Provider;
}

/** The provider to use for workloads, creating one (parented to `parent`) when none was given. */
export function workloadProvider(name: string, target: ClusterTarget, parent: pulumi.Resource): k8s.Provider {
  return (
    target.provider ?? new k8s.Provider(`${name}-cluster`, { kubeconfig: pulumi.secret(target.kubeconfig) }, { parent })
  );
}

/** Mesh-wide settings every service of a cluster shares. */
export interface MeshSettings {
  /**
   * The mesh trust domain (principals are `<trustDomain>/ns/<ns>/sa/<sa>`). Default: stack config
   * `lattice:trustDomain`, else Istio's default "cluster.local".
   */
  trustDomain?: string;
  /**
   * Wait for each service's Deployment to roll out (every replica of its template ready), up to its
   * spec's `rollout.timeoutSeconds` (600), failing `up` with the pod's reason. Default: stack config
   * `lattice:awaitWorkloads`, else true. Set false for clusters without nodes.
   */
  awaitWorkloads?: boolean;
}

/** Mesh settings with the stack-config defaults applied. */
export function resolveMesh(m: MeshSettings): Required<MeshSettings> {
  const config = new pulumi.Config("lattice");
  return {
    trustDomain: m.trustDomain ?? config.get("trustDomain") ?? "cluster.local",
    awaitWorkloads: m.awaitWorkloads ?? config.getBoolean("awaitWorkloads") ?? true,
  };
}
