// LatticeExternalService: an endpoint outside the cluster that named services may call. Its args are
// the LatticeExternalService YAML kind's spec. It deploys its declaration record (who may call it)
// and its policy documents (egress for each allowed requester that also declares it, and an Istio
// ServiceEntry) through the LatticePolicy provider, which checks its agreements in the cluster.
import * as pulumi from "@pulumi/pulumi";
import { compileDeclarationRecord, type OneSided } from "../core/agreements";
import { compileExternal, compileNamespaceBaseline, resolveOptions } from "../core/compile";
import { validateDocument, type LatticeExternalService as ExternalDocument } from "../core/spec";
import { LatticeMembership } from "../providers/membership";
import { LatticePolicy } from "../providers/policy";
import { LatticeSpecError } from "./errors";
import { fieldManagerOf } from "./service";
import { resolveMesh, type ClusterTarget, type MeshSettings } from "./target";

/** The spec of a LatticeExternalService, as in YAML. */
export type ExternalServiceSpec = ExternalDocument["spec"];

/** Arguments of a LatticeExternalService. */
export interface LatticeExternalServiceArgs extends ClusterTarget, Pick<MeshSettings, "trustDomain"> {
  /** metadata.name; the component's name by default. */
  serviceName?: string;
  /** metadata.namespace; "default" by default. */
  namespace?: string;
  /** endpoints and allowed_requesters (or allowedRequesters). */
  spec: ExternalServiceSpec;
  /** Resources to wait for before applying the policies (see LatticeServiceArgs.agreementsAfter). */
  agreementsAfter?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Validate component args as a LatticeExternalService document (throws LatticeSpecError). */
export function externalServiceDocument(name: string, args: Pick<LatticeExternalServiceArgs, "serviceName" | "namespace" | "spec">): ExternalDocument {
  const value = { apiVersion: "lattice.dev/v1alpha1", kind: "LatticeExternalService", metadata: { name: args.serviceName ?? name, ...(args.namespace ? { namespace: args.namespace } : {}) }, spec: args.spec };
  const v = validateDocument(value, { file: `LatticeExternalService ${name}`, doc: 1 }, "LatticeExternalService");
  if (!v.ok) throw new LatticeSpecError(v.errors, `LatticeExternalService ${name}`);
  return v.value;
}

/** An external endpoint and the services allowed to reach it. */
export class LatticeExternalService extends pulumi.ComponentResource {
  public readonly ref: string;
  /** The endpoints, as declared. */
  public readonly endpoints: pulumi.Output<Record<string, string>>;
  public readonly policyDocuments: pulumi.Output<string[]>;
  public readonly oneSided: pulumi.Output<OneSided[]>;
  public readonly declarations: LatticeMembership;

  constructor(name: string, args: LatticeExternalServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lattice:index:LatticeExternalService", name, {}, opts);
    const doc = externalServiceDocument(name, args);
    const namespace = args.namespace ?? "default";
    const compileOpts = { trustDomain: resolveMesh(args).trustDomain, defaultNamespace: namespace };
    const baseline = compileNamespaceBaseline(namespace, resolveOptions(compileOpts));
    this.ref = `${namespace}/${doc.metadata.name}`;

    this.declarations = new LatticeMembership(`${name}-declarations`, {
      kubeconfig: args.kubeconfig,
      namespace,
      baseline,
      record: compileDeclarationRecord(doc, namespace),
      recordManager: fieldManagerOf("declarations", namespace, doc.metadata.name),
    }, { parent: this });
    const policy = new LatticePolicy(`${name}-policy`, {
      kubeconfig: args.kubeconfig,
      self: this.ref,
      fieldManager: fieldManagerOf("policy", namespace, doc.metadata.name),
      objects: compileExternal(doc, compileOpts).policies,
    }, { parent: this, dependsOn: pulumi.output(args.agreementsAfter ?? []).apply((after) => [this.declarations, ...after]) });

    this.endpoints = pulumi.output({ ...doc.spec.endpoints });
    this.policyDocuments = policy.objects.apply((o) => Object.keys(o).sort());
    this.oneSided = policy.oneSided.apply((list) => {
      for (const o of list ?? []) void pulumi.log.warn(`one-sided agreement: ${o.message}`, this);
      return list ?? [];
    });
    this.registerOutputs({ ref: this.ref, endpoints: this.endpoints, policyDocuments: this.policyDocuments, oneSided: this.oneSided });
  }
}
