// YAML text → plain values, one per document, with the limits a loader of untrusted input needs:
// duplicate keys are errors (with the field path), aliases may be used but not to blow a small file
// up into a huge value, nesting and size are bounded, and nothing thrown by the YAML library escapes.
// Documents are composed one at a time so a large stream never holds every syntax tree at once.
import { Composer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { formatPath, type SpecError } from "./errors";

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
 * validate it and drop the raw value before the next one); returns the errors. */
export function forEachYamlDocument(
  text: string,
  file: string,
  onDocument: (doc: RawDocument) => void,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): SpecError[] {
  const errors: SpecError[] = [];
  const fileError = (doc: number, message: string) => errors.push({ file, doc, path: "", message });
  if (text.length > limits.maxFileBytes) {
    fileError(1, `file is larger than ${limits.maxFileBytes} bytes`);
    return errors;
  }
  const lines = new LineCounter();
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `line ${p.line}, column ${p.col}`;
  };
  let index = 0;
  try {
    const tokens = new Parser(lines.addNewLine).parse(text);
    const composer = new Composer({ version: "1.2", merge: true, uniqueKeys: false, strict: true, logLevel: "error" });
    for (const doc of composer.compose(tokens, true, text.length)) {
      index++;
      if (index > limits.maxDocuments) {
        fileError(index, `more than ${limits.maxDocuments} documents in one file`);
        break;
      }
      if (doc.errors.length > 0) {
        for (const e of doc.errors)
          // The YAML library recurses per nesting level and reports running out of stack as an error.
          fileError(
            index,
            /call stack/i.test(e.message)
              ? `nested deeper than ${limits.maxDepth} levels`
              : `${at(e.pos[0])}: ${firstLine(e.message)}`,
          );
        continue;
      }
      if (doc.contents === null) continue; // an empty document (only comments, or a bare "---")
      const structural = checkTree(doc.contents as Node, limits.maxDepth, at);
      if (structural.length > 0) {
        for (const s of structural) errors.push({ file, doc: index, path: s.path, message: s.message });
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
      } catch (e) {
        fileError(index, aliasMessage(e, limits));
        continue;
      }
      if (value === null) continue; // a document with only comments (or an explicit null)
      const size = measure(value, limits);
      if (size) {
        fileError(index, size);
        continue;
      }
      onDocument({ file, doc: index, value });
    }
  } catch (e) {
    // The YAML library recurses per nesting level while composing; input nested thousands deep
    // exhausts the stack before checkTree sees it. Report it as this document's problem.
    fileError(
      Math.max(1, index + 1),
      e instanceof RangeError
        ? `nested deeper than ${limits.maxDepth} levels`
        : `cannot parse YAML: ${firstLine(String((e as Error)?.message ?? e))}`,
    );
  }
  return errors;
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
