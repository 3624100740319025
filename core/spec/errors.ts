// Where a document came from and what is wrong with it. Every entry point (YAML loader, Pulumi
// component args, provider `check`) reports problems as SpecErrors, one per problem, formatted
// `file#doc: field.path: message` so a user can jump to the field.

/** The origin of one document: a file (or a component's name) and its 1-based index in it. */
export interface SourceRef {
  readonly file: string;
  readonly doc: number;
}

/** One problem in one document, at one field. `path` is "" for a document-level problem. */
export interface SpecError extends SourceRef {
  readonly path: string;
  readonly message: string;
}

/** `file#doc: path: message` (or `file#doc: message` when the problem has no field). */
export function formatSpecError(e: SpecError): string {
  return e.path ? `${e.file}#${e.doc}: ${e.path}: ${e.message}` : `${e.file}#${e.doc}: ${e.message}`;
}

/** "file#doc", the short form used when one error points at another document. */
export function formatSource(s: SourceRef): string {
  return `${s.file}#${s.doc}`;
}

/** Errors in a stable order (file, document, path, message) so output never depends on input order. */
export function sortSpecErrors(errors: readonly SpecError[]): SpecError[] {
  return [...errors].sort(
    (a, b) => cmp(a.file, b.file) || a.doc - b.doc || cmp(a.path, b.path) || cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A field path as users read it: `spec.resources.auth-service.direction`, `workers[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      // Keys that would be ambiguous after a dot (empty, dots, spaces, brackets…) are quoted.
      if (/^[A-Za-z0-9_-]+$/.test(s)) out += out ? `.${s}` : s;
      else out += `[${quote(s)}]`;
    }
  }
  return out;
}

/**
 * A string quoted for a one-line message: JSON's escapes, plus U+2028 and U+2029, which JSON leaves
 * as they are but terminals and log readers take as line breaks.
 */
export function quote(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A value as it appears in an error message: strings quoted and truncated, maps and lists named. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return quote(s);
  }
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return typeof v;
}
