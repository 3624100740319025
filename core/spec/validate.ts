// The one validator: every entry point (the YAML loader, the Pulumi components' args, the providers'
// `check`) turns an untrusted value into a typed Lattice document here, or gets SpecErrors. A table
// from kind to schema; nothing thrown escapes.
import type { z } from "zod";
import { describeValue, sortSpecErrors, type SourceRef, type SpecError } from "./errors";
import { latticeClusterSchema, type LatticeCluster } from "./cluster";
import { latticeExternalServiceSchema, type LatticeExternalService } from "./external-service";
import { compileFast, INVALID, UNSURE, type Mode } from "./fast-validate";
import { issuesToErrors } from "./issues";
import { RawMap, toPlain } from "./yaml-fast";
import { latticeServiceSchema, type LatticeService } from "./service";

/** The schema of each Lattice kind. */
export const KIND_SCHEMAS = {
  LatticeService: latticeServiceSchema,
  LatticeExternalService: latticeExternalServiceSchema,
  LatticeCluster: latticeClusterSchema,
} as const;

export type LatticeKind = keyof typeof KIND_SCHEMAS;
export const LATTICE_KINDS = Object.keys(KIND_SCHEMAS) as LatticeKind[];

/** Any validated Lattice document, discriminated by `kind`. */
export type LatticeDocument = LatticeService | LatticeExternalService | LatticeCluster;

/** The document type of one kind. */
export type DocumentOf<K extends LatticeKind> = Extract<LatticeDocument, { kind: K }>;

/** A validated document and where it came from. */
export interface SourcedDocument<D extends LatticeDocument = LatticeDocument> {
  readonly source: SourceRef;
  readonly doc: D;
}

/** Either the typed value or every problem found. */
export type Validation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: SpecError[] };

function isKind(k: unknown): k is LatticeKind {
  return typeof k === "string" && Object.prototype.hasOwnProperty.call(KIND_SCHEMAS, k);
}

/**
 * Validate one document. `expect` restricts the kind (a component's args must be its own kind).
 * Errors name `where` (file and document index) and the field path.
 */
export function validateDocument<K extends LatticeKind = LatticeKind>(
  value: unknown,
  where: SourceRef,
  expect?: K,
): Validation<DocumentOf<K>> {
  return validate(value, where, expect, "copy");
}

/**
 * validateDocument for a value the YAML loader just parsed and gives away: the plain value the
 * `yaml` library built (the validated document may share its maps and lists), or the fast path's
 * tree of RawMaps (./yaml-fast.ts), from which the document's objects are built here, once.
 */
export function validateParsedDocument(value: unknown, where: SourceRef): Validation<LatticeDocument> {
  return validate(value, where, undefined, value instanceof RawMap ? "raw" : "owned");
}

function validate<K extends LatticeKind = LatticeKind>(
  input: unknown,
  where: SourceRef,
  expect: K | undefined,
  mode: Mode,
): Validation<DocumentOf<K>> {
  if (input instanceof RawMap) {
    // The common case: a valid document read by the fast path, built straight from its tree.
    const kind = input.values[input.keys.indexOf("kind")];
    if (isKind(kind) && (!expect || kind === expect)) {
      const fast = compileFast(KIND_SCHEMAS[kind] as z.ZodType, "raw")(input);
      if (fast !== INVALID && fast !== UNSURE) return { ok: true, value: fast as DocumentOf<K> };
    }
  }
  const value = mode === "raw" ? toPlain(input) : input;
  const fail = (path: string, message: string): Validation<never> => ({
    ok: false,
    errors: [{ file: where.file, doc: where.doc, path, message }],
  });
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return fail("", `expected a map with apiVersion, kind, metadata and spec, got ${describeValue(value)}`);
  const kind = (value as Record<string, unknown>).kind;
  const kinds = expect ? [expect] : LATTICE_KINDS;
  if (!isKind(kind) || (expect && kind !== expect)) {
    const expected = kinds.map((k) => JSON.stringify(k)).join(" | ");
    return kind === undefined
      ? fail("kind", `missing required field (expected ${expected})`)
      : fail("kind", `expected ${expected}, got ${describeValue(kind)}`);
  }
  const schema = KIND_SCHEMAS[kind] as z.ZodType;
  // Valid documents take the fast path (./fast-validate.ts: zod's own schemas, compiled); zod
  // itself runs only when that path is not sure, and reports the problems of invalid ones.
  if (mode !== "raw") {
    const fast = compileFast(schema, mode)(value);
    if (fast !== INVALID && fast !== UNSURE) return { ok: true, value: fast as DocumentOf<K> };
  }
  let result: ReturnType<z.ZodType["safeParse"]>;
  try {
    result = schema.safeParse(value, { reportInput: true });
  } catch (e) {
    // zod does not throw on data; this is a defect, reported rather than crashing the caller.
    return fail("", `internal error while validating: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (result.success) return { ok: true, value: result.data as DocumentOf<K> };
  return { ok: false, errors: sortSpecErrors(issuesToErrors(result.error.issues, where)) };
}
