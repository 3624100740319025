// Declaration records: each service's and external service's half of its agreements, kept in the
// cluster next to its policies so that OTHER stacks can see it. A record holds only declarations
// (a service's service/external-service resources, an external service's allowed requesters) —
// never containers, variables or anything else a spec may carry — in a ConfigMap named after the
// kind and the name (with a dot, which no Lattice name contains, so it never collides).
import { z } from "zod";
import { LABELS, MANAGED_BY } from "../compile/identity";
import { configMap, type ConfigMap } from "../k8s/builders/config-map";
import type { KubeObject } from "../k8s/object";
import type { LatticeExternalService, LatticeService, SourcedDocument } from "../spec";
import { requestersOf } from "../spec";

/** The label that marks declaration records (how the agreement check finds every record). */
export const RECORD_LABEL = "lattice.dev/declarations";
const KEY = "declarations.json";

const name = z.string().min(1).max(253);
const declaration = z.object({
  type: z.enum(["service", "external-service"]),
  direction: z.enum(["inbound", "outbound"]),
  namespace: name.optional(),
  id: name.optional(),
});
const recordSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("LatticeService"), namespace: name, name, resources: z.record(name, declaration) }),
  z.object({ kind: z.literal("LatticeExternalService"), namespace: name, name, requesters: z.array(name) }),
]);
/** What a record says. */
export type DeclarationRecord = z.output<typeof recordSchema>;

/** The record's object name for a document. */
export function recordName(kind: DeclarationRecord["kind"], serviceName: string): string {
  return `lattice.${kind === "LatticeService" ? "service" : "external"}.${serviceName}`;
}

/** The declarations of one validated document in its namespace. */
export function declarationsOf(doc: LatticeService | LatticeExternalService, namespace: string): DeclarationRecord {
  if (doc.kind === "LatticeExternalService")
    return { kind: doc.kind, namespace, name: doc.metadata.name, requesters: [...requestersOf(doc)] };
  const resources: Record<string, z.output<typeof declaration>> = {};
  for (const [key, r] of Object.entries(doc.spec.resources ?? {})) {
    if (r.type === "volume") continue; // volumes are not agreements between services
    resources[key] = {
      type: r.type,
      direction: r.direction,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      ...(r.id ? { id: r.id } : {}),
    };
  }
  return { kind: doc.kind, namespace, name: doc.metadata.name, resources };
}

/** Compile the declaration record (a ConfigMap) of a validated document in its namespace. */
export function compileDeclarationRecord(doc: LatticeService | LatticeExternalService, namespace: string): ConfigMap {
  const record = declarationsOf(doc, namespace);
  return configMap(
    {
      name: recordName(record.kind, record.name),
      namespace,
      labels: {
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.namespace]: namespace,
        [LABELS.service]: record.name,
        [RECORD_LABEL]: "true",
      },
    },
    { [KEY]: JSON.stringify(record) },
  );
}

/**
 * Records as documents for the agreement graph (core/graph reads metadata, spec.resources of a
 * service and the requesters of an external service — exactly what a record keeps).
 */
export function recordDocuments(
  records: readonly DeclarationRecord[],
  origin: (r: DeclarationRecord) => string,
): SourcedDocument[] {
  return records.map((r) => {
    const metadata = { name: r.name, namespace: r.namespace };
    const doc =
      r.kind === "LatticeService"
        ? {
            apiVersion: "lattice.dev/v1alpha1",
            kind: r.kind,
            metadata,
            spec: { containers: {}, resources: r.resources },
          }
        : {
            apiVersion: "lattice.dev/v1alpha1",
            kind: r.kind,
            metadata,
            spec: { endpoints: {}, allowed_requesters: r.requesters },
          };
    return { source: { file: origin(r), doc: 1 }, doc: doc as unknown as LatticeService | LatticeExternalService };
  });
}

/**
 * Read records as listed from a cluster. One that does not parse (another Lattice version, a hand
 * edit) is named in `unreadable` and skipped, so it cannot hide the others.
 */
export function readDeclarationRecords(objects: readonly KubeObject[]): {
  records: DeclarationRecord[];
  unreadable: string[];
} {
  const records: DeclarationRecord[] = [];
  const unreadable: string[] = [];
  for (const o of objects) {
    let value: unknown;
    try {
      value = JSON.parse((o.data as Record<string, string> | undefined)?.[KEY] ?? "");
    } catch {
      value = undefined;
    }
    const r = recordSchema.safeParse(value);
    if (r.success) records.push(r.data);
    else unreadable.push(`${o.metadata.namespace}/${o.metadata.name}`);
  }
  return { records, unreadable };
}
