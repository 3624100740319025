// YAML text → plain values, one per document, with the limits a loader of untrusted input needs:
// duplicate keys are errors (with the field path), aliases may be used but not to blow a small file
// up into a huge value, nesting and size are bounded, and nothing thrown by the YAML library escapes.
// Documents are composed one at a time so a large stream never holds every syntax tree at once.
import { Composer, Parser, isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { formatPath, type SpecError } from "./errors";
import { parseFastDocument, splitDocuments, toPlain, UNSURE, type DocumentSpan } from "./yaml-fast";

/** One YAML document as a plain value, with where it came from. */
export interface RawDocument {
  readonly file: string;
  readonly doc: number;
  readonly value: unknown;
}

/** Bounds on what one file and one document may cost. */
export interface YamlLimits {
  readonly maxFileBytes: number;
  readonly maxDocuments: number;
  /** Nesting depth of maps and lists (a Lattice document needs about 8). */
  readonly maxDepth: number;
  /** Nodes in one document after aliases are expanded. */
  readonly maxNodes: number;
  /** The YAML library's alias budget (expansions × size of what they expand to). */
  readonly maxAliasCount: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxDocuments: 100_000,
  maxDepth: 64,
  maxNodes: 100_000,
  maxAliasCount: 1000,
};

/** Parse every document of one file. Empty documents are skipped but keep their index. */
export function parseYamlDocuments(
  text: string,
  file: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): { docs: RawDocument[]; errors: SpecError[] } {
  const docs: RawDocument[] = [];
  const errors = forEachYamlDocument(text, file, (d) => docs.push(d), limits);
  return { docs, errors };
}

/** Parse one file, handing each document to `onDocument` as soon as it is read (so a caller can
 * validate it and drop the raw value before the next one); returns the errors. With `raw`, maps
 * the fast path read are handed out as RawMaps (see ./yaml-fast.ts), for the validator to build.
 *
 * Most documents take the fast path (./yaml-fast.ts), which reads the plain subset Lattice YAML is
 * written in and yields exactly the values the `yaml` library would. Where it is unsure of a
 * document (anything outside that subset, every malformed one included), the library reads the
 * file from the document before that one until it reaches one the fast path reads again: it
 * starts in the state it would be in when reading the whole file (at the start of a document), and
 * it sees what it would attribute across documents (the library files some errors of a document
 * under the one before it). So values, document numbers, lines and columns are the ones the
 * library gives for the whole file, while a file of plain documents never goes through it. */
export function forEachYamlDocument(
  text: string,
  file: string,
  onDocument: (doc: RawDocument) => void,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  options: { raw?: boolean } = {},
): SpecError[] {
  if (text.length > limits.maxFileBytes)
    return [{ file, doc: 1, path: "", message: `file is larger than ${limits.maxFileBytes} bytes` }];
  const spans = splitDocuments(text);
  if (!spans) return parseWithLibrary(text, file, onDocument, limits).errors;
  const errors: SpecError[] = [];
  const fast = (k: number) => {
    const span = spans[k]!;
    const body = span.marker ? Math.min(span.end, lineEndOf(text, span.start) + 1) : span.start;
    return parseFastDocument(text, body, span.end, limits);
  };
  // Spans the library read as part of an earlier document (a quoted scalar left open runs on):
  // later documents are numbered that much lower, as the library numbers them.
  let merged = 0;
  // The last document the fast path read, held back one step in case the library must re-read it.
  let pending: RawDocument | null = null;
  let known: { k: number; value: unknown } | undefined;
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k]!;
    const index = span.index - merged;
    if (index > limits.maxDocuments) {
      errors.push({ file, doc: index, path: "", message: `more than ${limits.maxDocuments} documents in one file` });
      break;
    }
    const value = known?.k === k ? known.value : fast(k);
    if (value !== UNSURE) {
      if (pending) onDocument(pending);
      pending = value === null ? null : { file, doc: index, value: options.raw ? value : toPlain(value) };
      continue;
    }
    // The library reads from the previous document (which the fast path read: the library stops
    // only before such a one) on, until the next document is one the fast path reads.
    const from = k > 0 ? k - 1 : 0;
    pending = null;
    const start = spans[from]!.start;
    let resume = -1;
    const r = parseWithLibrary(text.slice(start), file, onDocument, limits, {
      first: spans[from]!.index - merged,
      line: spans[from]!.line,
      more: (next) => {
        const j = spanAt(spans, start + next, k + 1);
        if (j < 0) return true; // not where a span starts: keep reading
        const v = fast(j);
        if (v === UNSURE) return true;
        resume = j;
        known = { k: j, value: v };
        return false;
      },
    });
    errors.push(...r.errors);
    if (resume < 0) return errors; // the library read to the end of the file (or gave up on it)
    merged = spans[resume]!.index - (spans[from]!.index - merged + r.documents);
    k = resume - 1;
  }
  if (pending) onDocument(pending);
  return errors;
}

function lineEndOf(text: string, from: number): number {
  const e = text.indexOf("\n", from);
  return e < 0 ? text.length : e;
}

/** The span (from `from` on) that starts at `offset`, or -1. */
function spanAt(spans: readonly DocumentSpan[], offset: number, from: number): number {
  for (let j = from; j < spans.length && spans[j]!.start <= offset; j++) if (spans[j]!.start === offset) return j;
  return -1;
}

/** Where the library starts reading (see parseWithLibrary). */
export interface LibraryRead {
  /** The number of the first document read. */
  readonly first: number;
  /** How many lines of the file precede the text read (added to the lines in messages). */
  readonly line: number;
  /** After each document: whether to read the one starting at `next` (an offset in the text). */
  readonly more?: (next: number) => boolean;
}

/**
 * The `yaml` library's reading of a stream, with every check and message of the loader. It may
 * read part of a file, from the start of a document: `at` numbers documents and lines as the file
 * does and decides after each document whether to read the next. Returns the errors and how many
 * documents were read.
 */
export function parseWithLibrary(
  text: string,
  file: string,
  onDocument: (doc: RawDocument) => void,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
  at: LibraryRead = { first: 1, line: 0 },
): { errors: SpecError[]; documents: number } {
  const errors: SpecError[] = [];
  const fileError = (doc: number, message: string) => errors.push({ file, doc, path: "", message });
  // Lines are counted from the text itself: the library's LineCounter misses line breaks it
  // skips while recovering from some errors, and later messages then name lines too early.
  const where = (offset: number) => {
    let line = 1;
    let start = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
      line++;
      start = i + 1;
    }
    return `line ${line + at.line}, column ${offset - start + 1}`;
  };
  // Where each document starts: the parser hands the composer a document when it is complete, so
  // when the composer yields document n, the start of document n + 1 (if any) is known.
  const starts: number[] = [];
  function* watch(tokens: Iterable<{ type: string; offset: number }>) {
    for (const t of tokens) {
      if (t.type === "document") starts.push(t.offset);
      yield t as never;
    }
  }
  let index = at.first - 1;
  let taken = 0;
  try {
    const tokens = watch(new Parser().parse(text));
    const composer = new Composer({ version: "1.2", merge: true, uniqueKeys: false, strict: true, logLevel: "error" });
    for (const doc of composer.compose(tokens, true, text.length)) {
      index++;
      if (index > limits.maxDocuments) {
        fileError(index, `more than ${limits.maxDocuments} documents in one file`);
        break;
      }
      readDocument(doc, index);
      taken++;
      const next = starts[taken];
      if (next === undefined || (at.more && !at.more(next))) break;
    }
  } catch (e) {
    // The YAML library recurses per nesting level while composing; input nested thousands deep
    // exhausts the stack before checkTree sees it. Report it as this document's problem.
    fileError(
      Math.max(at.first, index + 1),
      e instanceof RangeError
        ? `nested deeper than ${limits.maxDepth} levels`
        : `cannot parse YAML: ${firstLine(String((e as Error)?.message ?? e))}`,
    );
  }
  return { errors, documents: taken };

  function readDocument(doc: ReturnType<Composer["compose"]> extends Iterable<infer D> ? D : never, n: number): void {
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        // The YAML library recurses per nesting level and reports running out of stack as an error.
        fileError(
          n,
          /call stack/i.test(e.message)
            ? `nested deeper than ${limits.maxDepth} levels`
            : `${where(e.pos[0])}: ${firstLine(e.message)}`,
        );
      return;
    }
    if (doc.contents === null) return; // an empty document (only comments, or a bare "---")
    const structural = checkTree(doc.contents as Node, limits.maxDepth, where);
    if (structural.length > 0) {
      for (const s of structural) errors.push({ file, doc: n, path: s.path, message: s.message });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (e) {
      fileError(n, aliasMessage(e, limits));
      return;
    }
    if (value === null) return; // a document with only comments (or an explicit null)
    const size = measure(value, limits);
    if (size) {
      fileError(n, size);
      return;
    }
    onDocument({ file, doc: n, value });
  }
}

function firstLine(s: string): string {
  const nl = s.indexOf("\n");
  return (nl < 0 ? s : s.slice(0, nl)).trim();
}

function aliasMessage(e: unknown, limits: YamlLimits): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Excessive alias count/.test(msg))
    return `aliases expand to more than ${limits.maxAliasCount} nodes (an alias bomb?); write the values out or use fewer aliases`;
  return firstLine(msg);
}

/** Duplicate keys (with the path of the second one) and nesting depth, from the syntax tree. The
 * walk recurses at most maxDepth deep and builds a path string only for a problem. */
function checkTree(
  root: Node,
  maxDepth: number,
  at: (offset: number) => string,
): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const path: PropertyKey[] = [];
  const visit = (node: unknown): boolean => {
    if (path.length > maxDepth) {
      out.push({ path: formatPath(path.slice(0, maxDepth)), message: `nested deeper than ${maxDepth} levels` });
      return false;
    }
    if (isMap(node)) {
      let first: Map<string, number> | undefined;
      for (const item of node.items) {
        if (!isPair(item)) continue;
        if (isMap(item.key) || isSeq(item.key) || isAlias(item.key)) {
          out.push({
            path: formatPath(path),
            message: "a map key must be a plain value, not a map, a list or an alias",
          });
          continue;
        }
        const key = keyText(item.key);
        const offset = (item.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
        first ??= new Map();
        const prev = first.get(key);
        if (prev !== undefined)
          out.push({
            path: formatPath([...path, key]),
            message: `duplicate key (${at(offset)}; first at ${at(prev)})`,
          });
        else first.set(key, offset);
        if (item.value !== null && typeof item.value === "object") {
          path.push(key);
          const ok = visit(item.value);
          path.pop();
          if (!ok) return false;
        }
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        path.push(i);
        const ok = visit(node.items[i]);
        path.pop();
        if (!ok) return false;
      }
    }
    return true;
  };
  visit(root);
  return out;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (isAlias(key)) return `*${key.source}`;
  return String(key);
}

/** Depth and node count of the value aliases expand to; a message when a limit is exceeded. */
function measure(value: unknown, limits: YamlLimits): string | undefined {
  let nodes = 0;
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} values after expanding aliases`;
    if (v === null || typeof v !== "object") continue;
    if (depth >= limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels (through aliases)`;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) stack.push({ v: c, depth: depth + 1 });
  }
  return undefined;
}
