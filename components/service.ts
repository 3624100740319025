// LatticeService: one service of the mesh. Its args are the LatticeService YAML kind's spec (the same
// zod schema validates both). It deploys, as a ServiceSet of one member (providers/serviceset), its
// namespace's shared baseline (default deny, ambient label, strict mTLS), its declaration record
// (what it calls and who may call it, which other stacks read), its policy documents (its own half
// of each agreement) and its workload (ServiceAccount, claims, Deployment, Service), then checks its
// agreements against every record in the cluster. Pods start under the baseline's default deny.
// Many services of one program are cheaper as one set: fromYaml (./load.ts) makes one for all.
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../core/agreements";
import { compileService, principalOf, serviceAccountName } from "../core/compile";
import type { KubeObject } from "../core/k8s/object";
import type { LatticeService as LatticeServiceDocument, ServiceSpec } from "../core/spec";
import { deployMember, documentOf, type AdoptOption } from "./agreement";
import { registerLegacy } from "./legacy";
import { resolveMesh, type ClusterTarget, type MeshSettings } from "./target";

/** Arguments of a LatticeService: where it runs and its spec, exactly as in YAML. */
export interface LatticeServiceArgs extends ClusterTarget, MeshSettings, AdoptOption {
  /** The service's name (metadata.name); the component's name by default. */
  serviceName?: string;
  /** The namespace (metadata.namespace); "default" by default. */
  namespace?: string;
  /** The LatticeService spec: containers, service.ports, replicas, resources (declarations). */
  spec: ServiceSpec;
  /**
   * Resources to deploy before this service: pass the other services' `declarations` (their sets)
   * so the agreement check of the first run sees every side deployed in the same program.
   */
  agreementsAfter?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** What a deployed service offers, as a component or as one member of a YAML set. */
export interface ServiceOutputs {
  /** "namespace/name". */
  readonly ref: string;
  /** The ServiceAccount (the service's identity) and its mesh principal. */
  readonly serviceAccount: pulumi.Output<string>;
  readonly principal: pulumi.Output<string>;
  /** In-cluster addresses "name.namespace.svc:port" of service.ports. */
  readonly endpoints: pulumi.Output<string[]>;
  /** The policy documents applied, "Kind/namespace/name". */
  readonly policyDocuments: pulumi.Output<string[]>;
  /** Declarations of (or about) this service without their counterpart, as found in the cluster. */
  readonly oneSided: pulumi.Output<OneSided[]>;
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

/** The outputs of a service known from its document alone (oneSided comes from the cluster). */
export function serviceOutputs(
  doc: LatticeServiceDocument,
  namespace: string,
  trustDomain: string,
  oneSided: pulumi.Output<OneSided[]>,
): ServiceOutputs {
  const compiled = compileService(doc, { trustDomain, defaultNamespace: namespace });
  const sa = serviceAccountName(doc.metadata.name);
  return {
    ref: `${namespace}/${doc.metadata.name}`,
    serviceAccount: pulumi.output(sa),
    principal: pulumi.output(principalOf(trustDomain, namespace, sa)),
    endpoints: pulumi.output(endpointsOf(compiled.workload)),
    policyDocuments: pulumi.output(documentKeys(compiled.policies)),
    oneSided,
  };
}

/** A Lattice service: workload, identity and its half of every agreement. */
export class LatticeService extends pulumi.ComponentResource implements ServiceOutputs {
  public readonly ref: string;
  public readonly serviceAccount: pulumi.Output<string>;
  public readonly principal: pulumi.Output<string>;
  public readonly endpoints: pulumi.Output<string[]>;
  public readonly policyDocuments: pulumi.Output<string[]>;
  public readonly oneSided: pulumi.Output<OneSided[]>;
  /** The resource holding this service's objects, its declaration record included (pass to other
   * services' agreementsAfter). */
  public readonly declarations: pulumi.Resource;

  constructor(name: string, args: LatticeServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lattice:index:LatticeService", name, {}, opts);
    const doc = serviceDocument(name, args);
    const namespace = args.namespace ?? "default";
    const mesh = resolveMesh(args);
    // A stack deployed by the previous resource model keeps its workload objects (see ./legacy.ts).
    const legacy = registerLegacy(
      [
        {
          component: name,
          doc,
          namespace,
          adopt: args.adopt ?? false,
          parent: this,
          ...(args.provider ? { provider: args.provider } : {}),
        },
      ],
      { kubeconfig: args.kubeconfig, trustDomain: mesh.trustDomain, yaml: false },
    );
    const member = { kubeconfig: args.kubeconfig, ...mesh, namespace, adopt: args.adopt };
    const deployed = deployMember(this, name, doc, member, dependsOnBoth(args.agreementsAfter, legacy));
    this.declarations = deployed.set;
    const out = serviceOutputs(doc, namespace, mesh.trustDomain, deployed.oneSided);
    this.ref = out.ref;
    this.serviceAccount = out.serviceAccount;
    this.principal = out.principal;
    this.endpoints = out.endpoints;
    this.policyDocuments = out.policyDocuments;
    this.oneSided = out.oneSided;
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

/** Resources to wait for: the caller's (one or a list) and the legacy ones, without passing Resources
 * through an Output's apply (which would walk everything each of them references). */
export function dependsOnBoth(
  after: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
  legacy: Promise<pulumi.Resource[]>,
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  if (after === undefined) return legacy;
  if (pulumi.Resource.isInstance(after)) return legacy.then((l) => [after, ...l]);
  const list: Promise<unknown> = pulumi.Output.isInstance(after)
    ? new Promise((resolve) => (after as pulumi.Output<unknown>).apply(resolve))
    : Promise.resolve(after);
  return Promise.all([list, legacy]).then(([a, l]) => [
    ...(Array.isArray(a) ? (a as pulumi.Input<pulumi.Resource>[]) : [a as pulumi.Input<pulumi.Resource>]),
    ...l,
  ]);
}

/** "Kind/namespace/name" of each object, sorted. */
export function documentKeys(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort();
}

export function endpointsOf(workload: readonly KubeObject[]): string[] {
  return workload
    .filter((o) => o.kind === "Service")
    .flatMap((o) =>
      ((o.spec as { ports?: { port: number }[] }).ports ?? []).map(
        (p) => `${o.metadata.name}.${o.metadata.namespace}.svc:${p.port}`,
      ),
    );
}
