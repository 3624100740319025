// The agreement graph: who declares what about whom. Built from validated documents (never from
// compiled objects); it is what `lattice graph` draws and `lattice explain` reads.
import type { ExternalServiceDeclaration, ServiceDeclaration, SourceRef } from "../spec";

export type NodeKind = "LatticeService" | "LatticeExternalService";

/** A service or external service present in the set. `ref` is "namespace/name". */
export interface GraphNode {
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: NodeKind;
  readonly source: SourceRef;
}

/** A service named by a declaration. */
export interface PeerRef {
  /** "namespace/name": the order of peers, and their key. */
  readonly ref: string;
  readonly namespace: string;
  readonly name: string;
}

/** A service's declared peers: sorted by ref, each once. */
export interface ResolvedPeers {
  /** Every service declared outbound. */
  readonly callees: readonly PeerRef[];
  /** Every service declared inbound. */
  readonly callers: readonly PeerRef[];
  /** The document declares nothing but services (no external services, no volumes). */
  readonly onlyServices: boolean;
}

/** A `spec.resources.<key>` entry of type service or external-service. */
export interface ResourceDeclarationRef {
  readonly kind: "resource";
  /** The declaring document ("namespace/name"). */
  readonly by: string;
  readonly source: SourceRef;
  readonly key: string;
  readonly decl: ServiceDeclaration | ExternalServiceDeclaration;
}

/** An entry of an external service's allowed requesters. */
export interface RequesterDeclarationRef {
  readonly kind: "requester";
  readonly by: string;
  readonly source: SourceRef;
  readonly field: "allowed_requesters" | "allowedRequesters";
  readonly index: number;
  readonly entry: string;
}

/** One half of an agreement, as written in a document. */
export type Declaration = ResourceDeclarationRef | RequesterDeclarationRef;

export type EdgeType = "service" | "external-service";
export type EdgeStatus = "bilateral" | "missing-inbound" | "missing-outbound";

/** A possible connection from → to between two nodes of the set, with whichever halves exist.
 * For an external service the "inbound" half is its allowed_requesters entry. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly type: EdgeType;
  readonly status: EdgeStatus;
  readonly outbound?: Declaration;
  readonly inbound?: Declaration;
}

/** A declaration naming a service that is not in the set (or is of the other kind). */
export interface UnknownReference {
  readonly declaration: Declaration;
  readonly target: string;
  readonly reason: string;
}

/** One declaration of a shared volume. */
export interface VolumeDeclarationRef {
  readonly service: string;
  readonly source: SourceRef;
  readonly key: string;
}

/** A shared volume id in one namespace, with its owners (should be one) and consumers. */
export interface VolumeGroup {
  readonly namespace: string;
  readonly id: string;
  readonly owners: readonly VolumeDeclarationRef[];
  readonly consumers: readonly VolumeDeclarationRef[];
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly Edge[];
  readonly unknown: readonly UnknownReference[];
  readonly volumes: readonly VolumeGroup[];
}

/** "spec.resources.api" or "spec.allowed_requesters[0]": where a declaration sits in its document. */
export function declarationPath(d: Declaration): string {
  return d.kind === "resource" ? `spec.resources.${d.key}` : `spec.${d.field}[${d.index}]`;
}

/** The declaration as it is written in YAML, for quoting. */
export function quoteDeclaration(d: Declaration): string {
  if (d.kind === "requester") return `${d.field}: [..., ${d.entry}, ...]`;
  const parts = [`type: ${d.decl.type}`, `direction: ${d.decl.direction}`];
  if (d.decl.namespace !== undefined) parts.push(`namespace: ${d.decl.namespace}`);
  if (d.decl.id !== undefined) parts.push(`id: ${d.decl.id}`);
  return `${d.key}: {${parts.join(", ")}}`;
}
