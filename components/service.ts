// LatticeService: one service of the mesh. Its args are the LatticeService YAML kind's spec (the
// same zod schema validates both). It deploys:
//   1. first, its membership of its namespace: the namespace's shared baseline (default deny,
//      ambient label, strict mTLS) and its declaration record (what it calls and who may call it),
//      which other stacks read;
//   2. then, side by side:
//      - its policy documents (its own half of each agreement) through the LatticePolicy dynamic
//        provider, which then checks its agreements in the cluster (after every membership of the
//        set: see agreementsAfter);
//      - its workload (ServiceAccount, Deployment, Service, PVCs) as @pulumi/kubernetes resources.
//        The baseline's default deny is what pods must start under, so the workload waits for the
//        membership, not for the policies: until the policies arrive the pods are only isolated,
//        never open. (Waiting for the policies too put every workload behind the set's barrier:
//        a 100-service no-op `up` spent ~3 s more in that chain.)
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../core/agreements";
import { compileService, principalOf, serviceAccountName } from "../core/compile";
import { refOf, type KubeObject } from "../core/k8s/object";
import type { LatticeService as LatticeServiceDocument, ServiceSpec } from "../core/spec";
import type { LatticeMembership } from "../providers/membership";
import { deployHalf, documentOf, type AdoptOption } from "./agreement";
import { resolveMesh, workloadProvider, type ClusterTarget, type MeshSettings } from "./target";
import { createWorkload, DEFAULT_ROLLOUT_TIMEOUT_SECONDS } from "./workload";

/** Arguments of a LatticeService: where it runs and its spec, exactly as in YAML. */
export interface LatticeServiceArgs extends ClusterTarget, MeshSettings, AdoptOption {
  /** The service's name (metadata.name); the component's name by default. */
  serviceName?: string;
  /** The namespace (metadata.namespace); "default" by default. */
  namespace?: string;
  /** The LatticeService spec: containers, service.ports, replicas, resources (declarations). */
  spec: ServiceSpec;
  /**
   * Resources to wait for before applying the policies: pass the other services' `declarations`
   * (the YAML loader does) so the agreement check sees every side deployed in the same run.
   */
  agreementsAfter?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Validate component args as a LatticeService document; throws LatticeSpecError with every problem. */
export function serviceDocument(
  name: string,
  args: Pick<LatticeServiceArgs, "serviceName" | "namespace" | "spec">,
): LatticeServiceDocument {
  return documentOf("LatticeService", name, {
    ...(args.serviceName ? { name: args.serviceName } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    spec: args.spec,
  });
}

/** A Lattice service: workload, identity and its half of every agreement. */
export class LatticeService extends pulumi.ComponentResource {
  /** "namespace/name". */
  public readonly ref: string;
  /** The ServiceAccount (the service's identity) and its mesh principal. */
  public readonly serviceAccount: pulumi.Output<string>;
  public readonly principal: pulumi.Output<string>;
  /** In-cluster addresses "name.namespace.svc:port" of service.ports. */
  public readonly endpoints: pulumi.Output<string[]>;
  /** The policy documents applied, "Kind/namespace/name". */
  public readonly policyDocuments: pulumi.Output<string[]>;
  /** Declarations of (or about) this service without their counterpart, as found in the cluster. */
  public readonly oneSided: pulumi.Output<OneSided[]>;
  /** The declaration record resource (pass to other services' agreementsAfter). */
  public readonly declarations: LatticeMembership;

  constructor(name: string, args: LatticeServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lattice:index:LatticeService", name, {}, opts);
    const doc = serviceDocument(name, args);
    const namespace = args.namespace ?? "default";
    const mesh = resolveMesh(args);
    const compileOpts = { trustDomain: mesh.trustDomain, defaultNamespace: namespace };
    const compiled = compileService(doc, compileOpts);
    this.ref = `${namespace}/${doc.metadata.name}`;
    const half = deployHalf(this, name, {
      kubeconfig: args.kubeconfig,
      namespace,
      trustDomain: mesh.trustDomain,
      doc,
      policies: compiled.policies,
      ...(args.agreementsAfter ? { after: args.agreementsAfter } : {}),
      adopt: args.adopt ?? false,
      workloads: compiled.workload.map(refOf),
    });
    this.declarations = half.membership;

    const provider: k8s.Provider = workloadProvider(name, args, this);
    const wait = mesh.awaitWorkloads
      ? {
          kubeconfig: args.kubeconfig,
          timeoutSeconds: doc.spec.rollout?.timeoutSeconds ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
          subject: `LatticeService ${this.ref}`,
        }
      : undefined;
    createWorkload(name, doc.metadata.name, compiled.workload, wait, args.adopt ?? false, {
      parent: this,
      provider,
      dependsOn: [half.membership],
    });

    this.serviceAccount = pulumi.output(serviceAccountName(doc.metadata.name));
    this.principal = pulumi.output(principalOf(mesh.trustDomain, namespace, serviceAccountName(doc.metadata.name)));
    this.endpoints = pulumi.output(endpointsOf(compiled.workload));
    this.policyDocuments = half.policyDocuments;
    this.oneSided = half.oneSided;
    this.registerOutputs({
      ref: this.ref,
      serviceAccount: this.serviceAccount,
      principal: this.principal,
      endpoints: this.endpoints,
      policyDocuments: this.policyDocuments,
      oneSided: this.oneSided,
    });
  }
}

function endpointsOf(workload: readonly KubeObject[]): string[] {
  return workload
    .filter((o) => o.kind === "Service")
    .flatMap((o) =>
      ((o.spec as { ports?: { port: number }[] }).ports ?? []).map(
        (p) => `${o.metadata.name}.${o.metadata.namespace}.svc:${p.port}`,
      ),
    );
}
