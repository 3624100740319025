// What a service set is made of, computed the same way in the program (for the inputs) and in the
// provider (for the objects it applies). Pure: documents in, objects and digests out.
//
// A set's inputs hold, per member (a LatticeService or LatticeExternalService, keyed
// "namespace/name"), its validated document and one digest per object it compiles to; per
// namespace, the digests of the namespace baseline. The provider compiles the documents again to
// get the objects; the digests are there for people: `pulumi preview --diff` and `lattice preview`
// name each object whose digest changes, without the objects themselves in the state.
import { createHash } from "node:crypto";
import { compileDeclarationRecord } from "../../core/agreements";
import { compileExternal, compileNamespaceBaseline, compileService, resolveOptions } from "../../core/compile";
import type { KubeObject } from "../../core/k8s/object";
import { keyOf } from "../../core/k8s/object";
import { adoptsExisting, type LatticeExternalService, type LatticeService } from "../../core/spec";
import { canonical } from "../objectset/drift";

/** A member's document: a validated LatticeService or LatticeExternalService. */
export type MemberDocument = LatticeService | LatticeExternalService;

/** One member in a set's inputs. */
export interface MemberInputs {
  /** The validated document, its namespace explicit. */
  doc: MemberDocument;
  /** "Kind/namespace/name" → digest of each object it compiles to (record, policies, workload). */
  objects: Record<string, string>;
  /** Adopt existing objects Lattice did not create (a component's `adopt`; YAML says it in the document). */
  adopt?: boolean;
}

/** The settings every member of a set compiles with. */
export interface SetSettings {
  trustDomain: string;
}

/** A member's objects, in the order they are applied. */
export interface MemberObjects {
  ref: string;
  namespace: string;
  /** Its declaration record (what other stacks read for the agreement check). */
  record: KubeObject;
  /** Its half of each agreement. */
  policies: KubeObject[];
  /** ServiceAccount, claims, Deployment, Service (none for an external service). */
  workload: KubeObject[];
  /** The document asks to adopt existing objects Lattice did not create. */
  adopt: boolean;
}

/** "namespace/name" of a document (its namespace, else `defaultNamespace`). */
export function refOfDocument(doc: MemberDocument, defaultNamespace = "default"): string {
  return `${doc.metadata.namespace ?? defaultNamespace}/${doc.metadata.name}`;
}

/** The document with its namespace written out (so the provider needs no default). */
export function withNamespace<D extends MemberDocument>(doc: D, defaultNamespace: string): D {
  if (doc.metadata.namespace !== undefined) return doc;
  return { ...doc, metadata: { ...doc.metadata, namespace: defaultNamespace } };
}

/** Compile one member: record, policies and workload. */
export function compileMember(doc: MemberDocument, settings: SetSettings): MemberObjects {
  const namespace = doc.metadata.namespace ?? "default";
  const opts = { trustDomain: settings.trustDomain, defaultNamespace: namespace };
  const half = doc.kind === "LatticeService" ? compileService(doc, opts) : compileExternal(doc, opts);
  return {
    ref: `${namespace}/${doc.metadata.name}`,
    namespace,
    record: compileDeclarationRecord(doc, namespace),
    policies: half.policies,
    workload: half.workload,
    adopt: adoptsExisting(doc),
  };
}

/** Every object of a member, record first. */
export function objectsOfMember(m: MemberObjects): KubeObject[] {
  return [m.record, ...m.policies, ...m.workload];
}

/** The baseline of a namespace: the same for every member in it. */
export function baselineOf(namespace: string, settings: SetSettings): KubeObject[] {
  return compileNamespaceBaseline(
    namespace,
    resolveOptions({ trustDomain: settings.trustDomain, defaultNamespace: namespace }),
  );
}

/** A short digest of an object's canonical JSON: 10 base64url characters (60 bits). */
export function digestOf(obj: KubeObject): string {
  return createHash("sha256").update(canonical(obj)).digest("base64url").slice(0, 10);
}

/** Objects keyed "Kind/namespace/name" → digest. */
export function digestsOf(objects: readonly KubeObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of objects) out[keyOf(o)] = digestOf(o);
  return out;
}

/** A member's inputs: its document (namespace explicit) and the digests of its objects. */
export function memberInputs(
  doc: MemberDocument,
  settings: SetSettings,
  defaultNamespace = "default",
  adopt = false,
): MemberInputs {
  const explicit = withNamespace(doc, defaultNamespace);
  return {
    doc: explicit,
    objects: digestsOf(objectsOfMember(compileMember(explicit, settings))),
    ...(adopt ? { adopt: true } : {}),
  };
}

/** The kinds a set applies, with their apiVersions (to address an object known only by its key). */
const API_VERSIONS: Readonly<Record<string, string>> = {
  Namespace: "v1",
  ConfigMap: "v1",
  ServiceAccount: "v1",
  Service: "v1",
  PersistentVolumeClaim: "v1",
  Deployment: "apps/v1",
  CiliumNetworkPolicy: "cilium.io/v2",
  CiliumClusterwideNetworkPolicy: "cilium.io/v2",
  AuthorizationPolicy: "security.istio.io/v1",
  PeerAuthentication: "security.istio.io/v1",
  ServiceEntry: "networking.istio.io/v1",
};

/** The reference of an object known by its key "Kind/namespace/name" (or "Kind/name"). */
export function refOfKey(key: string): { apiVersion: string; kind: string; name: string; namespace?: string } {
  const parts = key.split("/");
  const kind = parts[0] ?? "";
  const apiVersion = API_VERSIONS[kind];
  if (!apiVersion) throw new Error(`ServiceSet: no apiVersion known for ${key}`);
  return parts.length === 3
    ? { apiVersion, kind, namespace: parts[1]!, name: parts[2]! }
    : { apiVersion, kind, name: parts[1] ?? "" };
}

/** Keys of `olds` that are not in `news` (objects to prune), per member. */
export function goneKeys(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(olds).filter((k) => !(k in news));
}

/** A member as the components hand it over: its validated document and whether it adopts. */
export interface MemberSource {
  doc: MemberDocument;
  adopt?: boolean;
}

/** The members and baselines of a set's inputs (namespaces written out, digests computed). */
export function setInputsOf(
  sources: readonly MemberSource[],
  settings: SetSettings,
  defaultNamespace = "default",
): { members: Record<string, MemberInputs>; baselines: Record<string, Record<string, string>> } {
  const members: Record<string, MemberInputs> = {};
  const namespaces = new Set<string>();
  for (const s of sources) {
    const m = memberInputs(s.doc, settings, defaultNamespace, !!s.adopt);
    const ref = refOfDocument(m.doc);
    if (ref in members) throw new Error(`ServiceSet: ${ref} appears twice`);
    members[ref] = m;
    namespaces.add(m.doc.metadata.namespace!);
  }
  const baselines: Record<string, Record<string, string>> = {};
  for (const ns of [...namespaces].sort()) baselines[ns] = digestsOf(baselineOf(ns, settings));
  return { members, baselines };
}
