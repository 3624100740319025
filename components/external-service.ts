// LatticeExternalService: an endpoint outside the cluster that named services may call. Its args are
// the LatticeExternalService YAML kind's spec. It deploys its declaration record (who may call it)
// and its policy documents (egress for each allowed requester that also declares it, and an Istio
// ServiceEntry) through the LatticePolicy provider, which checks its agreements in the cluster.
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../core/agreements";
import { compileExternal } from "../core/compile";
import type { LatticeExternalService as ExternalDocument } from "../core/spec";
import type { LatticeMembership } from "../providers/membership";
import { deployHalf, documentOf, type AdoptOption } from "./agreement";
import { resolveMesh, type ClusterTarget, type MeshSettings } from "./target";

/** The spec of a LatticeExternalService, as in YAML. */
export type ExternalServiceSpec = ExternalDocument["spec"];

/** Arguments of a LatticeExternalService. */
export interface LatticeExternalServiceArgs extends ClusterTarget, Pick<MeshSettings, "trustDomain">, AdoptOption {
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
export function externalServiceDocument(
  name: string,
  args: Pick<LatticeExternalServiceArgs, "serviceName" | "namespace" | "spec">,
): ExternalDocument {
  return documentOf("LatticeExternalService", name, {
    ...(args.serviceName ? { name: args.serviceName } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    spec: args.spec,
  });
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
    const trustDomain = resolveMesh(args).trustDomain;
    this.ref = `${namespace}/${doc.metadata.name}`;
    const policies = compileExternal(doc, { trustDomain, defaultNamespace: namespace }).policies;
    const half = deployHalf(this, name, {
      kubeconfig: args.kubeconfig,
      namespace,
      trustDomain,
      doc,
      policies,
      ...(args.agreementsAfter ? { after: args.agreementsAfter } : {}),
      adopt: args.adopt ?? false,
    });
    this.declarations = half.membership;

    this.endpoints = pulumi.output({ ...doc.spec.endpoints });
    this.policyDocuments = half.policyDocuments;
    this.oneSided = half.oneSided;
    this.registerOutputs({
      ref: this.ref,
      endpoints: this.endpoints,
      policyDocuments: this.policyDocuments,
      oneSided: this.oneSided,
    });
  }
}
