// LatticeExternalService: an endpoint outside the cluster that named services may call. Its args are
// the LatticeExternalService YAML kind's spec. It deploys, as a ServiceSet of one member
// (providers/serviceset), its declaration record (who may call it) and its policy documents (egress
// for each allowed requester that also declares it, and an Istio ServiceEntry), then checks its
// agreements against every record in the cluster.
import * as pulumi from "@pulumi/pulumi";
import type { OneSided } from "../core/agreements";
import { compileExternal } from "../core/compile";
import type { LatticeExternalService as ExternalDocument } from "../core/spec";
import { deployMember, documentOf, type AdoptOption } from "./agreement";
import { documentKeys } from "./service";
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
  /** Resources to deploy before this one (see LatticeServiceArgs.agreementsAfter). */
  agreementsAfter?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** What a deployed external service offers, as a component or as one member of a YAML set. */
export interface ExternalServiceOutputs {
  readonly ref: string;
  /** The endpoints, as declared. */
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly policyDocuments: pulumi.Output<string[]>;
  readonly oneSided: pulumi.Output<OneSided[]>;
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

/** The outputs of an external service known from its document alone. */
export function externalServiceOutputs(
  doc: ExternalDocument,
  namespace: string,
  trustDomain: string,
  oneSided: pulumi.Output<OneSided[]>,
): ExternalServiceOutputs {
  const policies = compileExternal(doc, { trustDomain, defaultNamespace: namespace }).policies;
  return {
    ref: `${namespace}/${doc.metadata.name}`,
    endpoints: pulumi.output({ ...doc.spec.endpoints }),
    policyDocuments: pulumi.output(documentKeys(policies)),
    oneSided,
  };
}

/** An external endpoint and the services allowed to reach it. */
export class LatticeExternalService extends pulumi.ComponentResource implements ExternalServiceOutputs {
  public readonly ref: string;
  public readonly endpoints: pulumi.Output<Record<string, string>>;
  public readonly policyDocuments: pulumi.Output<string[]>;
  public readonly oneSided: pulumi.Output<OneSided[]>;
  /** The resource holding this external service's objects, its declaration record included. */
  public readonly declarations: pulumi.Resource;

  constructor(name: string, args: LatticeExternalServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lattice:index:LatticeExternalService", name, {}, opts);
    const doc = externalServiceDocument(name, args);
    const namespace = args.namespace ?? "default";
    const mesh = resolveMesh(args);
    const member = { kubeconfig: args.kubeconfig, ...mesh, namespace, adopt: args.adopt };
    const deployed = deployMember(this, name, doc, member, args.agreementsAfter);
    this.declarations = deployed.set;
    const out = externalServiceOutputs(doc, namespace, mesh.trustDomain, deployed.oneSided);
    this.ref = out.ref;
    this.endpoints = out.endpoints;
    this.policyDocuments = out.policyDocuments;
    this.oneSided = out.oneSided;
    this.registerOutputs({
      ref: this.ref,
      endpoints: this.endpoints,
      policyDocuments: this.policyDocuments,
      oneSided: this.oneSided,
    });
  }
}
