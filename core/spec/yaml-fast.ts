// The fast path of the YAML loader: a small parser for the block-and-flow subset that Lattice
// documents are written in (block maps and lists, one-line flow maps and lists, plain and one-line
// quoted scalars, comments). It is an accelerator, not a second YAML implementation: for every
// document it either returns exactly the value the `yaml` library would (same scalars, resolved by
// the library's own YAML 1.2 core-schema tags), or it gives up (UNSURE) and the caller parses that
// document with the library, which also produces every error message with its line and column.
// It gives up on anything outside the subset or anything the library might treat differently:
// anchors, aliases, tags, merge keys, block scalars, multi-line scalars and flow collections,
// duplicate keys, non-string keys, tabs, carriage returns, unusual characters, deep nesting.
import { Schema, isScalar } from "yaml";

/** What the fast parser returns when the library must decide. */
export const UNSURE: unique symbol = Symbol("unsure");

/** One document of a stream: [start, end) of its text, its 1-based index and first line (0-based). */
export interface DocumentSpan {
  readonly start: number;
  readonly end: number;
  readonly index: number;
  readonly line: number;
  /** The span starts with its `---` marker line. */
  readonly marker: boolean;
}

/**
 * Split a stream into documents at `---` lines, numbering them as the library does: text before
 * the first marker is a document only if it holds more than blank and comment lines; each marker
 * starts one. Returns undefined for streams whose structure the library must read itself
 * (directives, `...` end markers, content on a marker line, a byte-order mark, carriage returns).
 */
export function splitDocuments(text: string): DocumentSpan[] | undefined {
  if (text.charCodeAt(0) === 0xfeff || text.indexOf("\r") >= 0) return undefined;
  const spans: DocumentSpan[] = [];
  const n = text.length;
  let start = 0;
  let startLine = 0;
  let marker = false;
  let content = false;
  let line = 0;
  for (let p = 0; p < n; line++) {
    let e = text.indexOf("\n", p);
    if (e < 0) e = n;
    const c = text.charCodeAt(p);
    if (c === 0x2d /* - */ && text.startsWith("---", p) && isBlankOrEnd(text, p + 3, e)) {
      if (!afterMarkerIsEmpty(text, p + 3, e)) return undefined;
      if (marker || content) spans.push({ start, end: p, index: spans.length + 1, line: startLine, marker });
      start = p;
      startLine = line;
      marker = true;
      content = false;
    } else if (c === 0x2e /* . */ && text.startsWith("...", p) && isBlankOrEnd(text, p + 3, e)) {
      return undefined;
    } else if (c === 0x25 /* % */) {
      return undefined;
    } else if (!content) {
      let i = p;
      while (i < e && text.charCodeAt(i) === 0x20) i++;
      if (i < e && text.charCodeAt(i) !== 0x23 /* # */) content = true;
    }
    p = e + 1;
  }
  if (marker || content) spans.push({ start, end: n, index: spans.length + 1, line: startLine, marker });
  return spans;
}

function isBlankOrEnd(s: string, i: number, e: number): boolean {
  if (i >= e) return true;
  const c = s.charCodeAt(i);
  return c === 0x20 || c === 0x09;
}

/** After `---`: only spaces and a comment may follow (content on a marker line goes to the library). */
function afterMarkerIsEmpty(s: string, i: number, e: number): boolean {
  while (i < e && s.charCodeAt(i) === 0x20) i++;
  return i >= e || (s.charCodeAt(i) === 0x23 && s.charCodeAt(i - 1) === 0x20);
}

// The library's YAML 1.2 core-schema scalar tags (null, bool, int, float…): a plain scalar that one
// of them matches is resolved by it, exactly as the library's composer does.
interface ScalarTag {
  readonly default?: boolean | "key";
  readonly test: RegExp;
  readonly resolve: (text: string, onError: (message: string) => void, options: object) => unknown;
}
const TAGS = (new Schema({ schema: "core", merge: true }).tags as unknown as Array<Partial<ScalarTag>>).filter(
  (t): t is ScalarTag => !("collection" in t) && t.test instanceof RegExp && typeof t.resolve === "function",
);
const VALUE_TAGS = TAGS.filter((t) => t.default === true);
const KEY_TAGS = TAGS.filter((t) => t.default === true || t.default === "key");
const RESOLVE_OPTIONS = { intAsBigInt: false };

/** First characters a non-string core-schema scalar can start with (see yaml-fast.test.ts). */
function mayNotBeString(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x7e || // ~
    c === 0x6e || // n
    c === 0x4e || // N
    c === 0x74 || // t
    c === 0x54 || // T
    c === 0x66 || // f
    c === 0x46 || // F
    c === 0x3c // < (the merge key)
  );
}

/** A character the library might read differently from us (controls, surrogates, odd line breaks). */
function unusual(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0xd800 && c <= 0xdfff) ||
    c === 0xfeff ||
    c === 0xfffe ||
    c === 0xffff ||
    c === 0x2028 ||
    c === 0x2029
  );
}

/** Whether [start, end) holds a tab. The position of the next tab is remembered per text, so a
 * stream of documents is searched once, not once per document. */
let tabText: string | undefined;
let tabAt = -1;
function hasTab(text: string, start: number, end: number): boolean {
  if (text !== tabText || tabAt < start) {
    tabText = text;
    tabAt = text.indexOf("\t", start);
    if (tabAt < 0) tabAt = Infinity;
  }
  return tabAt < end;
}

class Unsure {}
const GIVE_UP = new Unsure();

/** Limits the fast path checks conservatively (it gives up well before the library would object). */
export interface FastLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
}

/**
 * Parse one document (its span, without the `---` line) into a plain value, or UNSURE. Returns
 * null for a document with no content (as the library does for an empty document).
 */
export function parseFastDocument(
  text: string,
  start: number,
  end: number,
  limits: FastLimits,
): unknown | typeof UNSURE {
  if (hasTab(text, start, end)) return UNSURE;
  try {
    return new Reader(text, start, end, limits).document();
  } catch (e) {
    if (e === GIVE_UP) return UNSURE;
    throw e;
  }
}

/**
 * A map as the fast path reads it: its keys and values in order, not yet an object. Turning maps
 * into objects is left to whoever knows what they are: the validator builds each object once, in
 * the schema's key order, and a record (keys chosen by the user, such as a service's declarations)
 * as a hash table; building objects here with every user's keys would give V8 a new hidden class
 * per document (measured: about half the cost of reading 10,000 services). toPlain makes the plain
 * objects the `yaml` library would.
 */
export class RawMap {
  constructor(
    readonly keys: string[],
    readonly values: unknown[],
  ) {}
}

/** A value with its RawMaps turned into plain objects (keys in order), as the library builds them. */
export function toPlain(v: unknown): unknown {
  if (v instanceof RawMap) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < v.keys.length; i++) out[v.keys[i]!] = toPlain(v.values[i]);
    return out;
  }
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

/** A line cursor over one document; every method either parses or throws GIVE_UP. */
class Reader {
  /** Start of the current content line, its end (the "\n" or the span's end), the column its
   * content starts at (may be moved right for a compact "- key: value"), and its indent; -1 at the end. */
  private ls = 0;
  private le = 0;
  private cs = 0;
  private ind = -1;
  private nodes = 0;
  /** Where the last flow collection or quoted scalar ended. */
  private fp = 0;

  constructor(
    private readonly s: string,
    start: number,
    private readonly end: number,
    private readonly limits: FastLimits,
  ) {
    this.advance(start);
  }

  document(): unknown {
    if (this.ind < 0) return null;
    const value = this.block(this.ind, 1);
    if (this.ind >= 0) throw GIVE_UP; // content after the top node (less indented, or stray)
    return value;
  }

  /** Move to the next line holding content at or after `from`, skipping blank and comment lines. */
  private advance(from: number): void {
    const s = this.s;
    const end = this.end;
    while (from < end) {
      let le = s.indexOf("\n", from);
      if (le < 0 || le > end) le = end;
      let i = from;
      while (i < le && s.charCodeAt(i) === 0x20) i++;
      if (i < le && s.charCodeAt(i) !== 0x23) {
        this.ls = from;
        this.le = le;
        this.cs = i;
        this.ind = i - from;
        return;
      }
      from = le + 1;
    }
    this.ind = -1;
  }

  private next(): void {
    this.advance(this.le + 1);
  }

  private count(depth: number): void {
    if (++this.nodes >= this.limits.maxNodes || depth >= this.limits.maxDepth - 1) throw GIVE_UP;
  }

  /** A block node whose first line's content starts at column `col` of the current line. */
  private block(col: number, depth: number): unknown {
    const c = this.s.charCodeAt(this.cs);
    if (c === 0x2d && this.isSpaceOrEol(this.cs + 1)) return this.seq(col, depth);
    if (this.keyEnd(this.cs) >= 0) return this.map(col, depth);
    throw GIVE_UP; // a scalar on a line of its own (possibly multi-line): the library decides
  }

  private isSpaceOrEol(i: number): boolean {
    return i >= this.le || this.s.charCodeAt(i) === 0x20;
  }

  /** If the content at `p` is an implicit key ("key:" followed by a space or the line's end),
   * the position just after its ":"; else -1. Quoted keys must be followed by ":" at once. */
  private keyEnd(p: number): number {
    const s = this.s;
    const le = this.le;
    const c = s.charCodeAt(p);
    if (c === 0x22 || c === 0x27) {
      const q = this.quotedEnd(p);
      if (q < 0 || s.charCodeAt(q) !== 0x3a) return -1;
      return this.isSpaceOrEol(q + 1) ? q + 1 : -1;
    }
    if (!plainStart(c, s.charCodeAt(p + 1))) return -1;
    for (let i = p + 1; i < le; i++) {
      const d = s.charCodeAt(i);
      if (d === 0x3a && (i + 1 >= le || s.charCodeAt(i + 1) === 0x20)) return i + 1;
      if (d === 0x23 && s.charCodeAt(i - 1) === 0x20) return -1;
    }
    return -1;
  }

  /** The end (just past the closing quote) of a one-line quoted scalar at `p`, or -1. */
  private quotedEnd(p: number): number {
    const s = this.s;
    const le = this.le;
    if (s.charCodeAt(p) === 0x27) {
      for (let i = p + 1; i < le; i++)
        if (s.charCodeAt(i) === 0x27) {
          if (s.charCodeAt(i + 1) === 0x27 && i + 1 < le) i++;
          else return i + 1;
        }
      return -1;
    }
    for (let i = p + 1; i < le; i++) {
      const d = s.charCodeAt(i);
      if (d === 0x5c) i++;
      else if (d === 0x22) return i + 1;
    }
    return -1;
  }

  private map(col: number, depth: number): RawMap {
    this.count(depth);
    const s = this.s;
    const keys: string[] = [];
    const values: unknown[] = [];
    for (;;) {
      const p = this.cs;
      const ke = this.keyEnd(p);
      if (ke < 0) throw GIVE_UP;
      addKey(keys, this.key(p, ke - 1));
      let v = ke;
      while (v < this.le && s.charCodeAt(v) === 0x20) v++;
      if (v >= this.le || s.charCodeAt(v) === 0x23) {
        // Nothing after the key on its line: a nested block, an indentless list, or null.
        this.next();
        if (this.ind > col) values.push(this.block(this.ind, depth + 1));
        else if (this.ind === col && s.charCodeAt(this.cs) === 0x2d && this.isSpaceOrEol(this.cs + 1))
          values.push(this.seq(col, depth + 1));
        else {
          this.count(depth + 1);
          values.push(null);
        }
      } else {
        values.push(this.inline(v, depth + 1));
        this.next();
        if (this.ind > col) throw GIVE_UP; // a continuation line, or a misplaced one
      }
      if (this.ind < col) return new RawMap(keys, values);
      if (this.ind > col) throw GIVE_UP;
      if (s.charCodeAt(this.cs) === 0x2d && this.isSpaceOrEol(this.cs + 1)) throw GIVE_UP;
    }
  }

  private seq(col: number, depth: number): unknown[] {
    this.count(depth);
    const s = this.s;
    const out: unknown[] = [];
    for (;;) {
      let v = this.cs + 1;
      while (v < this.le && s.charCodeAt(v) === 0x20) v++;
      if (v >= this.le || s.charCodeAt(v) === 0x23) {
        this.next();
        if (this.ind > col) out.push(this.block(this.ind, depth + 1));
        else {
          this.count(depth + 1);
          out.push(null);
        }
      } else if (s.charCodeAt(v) === 0x2d && this.isSpaceOrEol(v + 1)) {
        throw GIVE_UP; // "- - x": a compact nested list
      } else if (this.keyEnd(v) >= 0) {
        // "- key: value": a map whose keys start at this column.
        this.cs = v;
        out.push(this.map(v - this.ls, depth + 1));
      } else {
        out.push(this.inline(v, depth + 1));
        this.next();
        if (this.ind > col) throw GIVE_UP;
      }
      if (this.ind < col) return out;
      if (this.ind > col) throw GIVE_UP;
      if (!(s.charCodeAt(this.cs) === 0x2d && this.isSpaceOrEol(this.cs + 1))) return out; // the parent's next key
    }
  }

  /** A value that starts at `p` and ends on this line: a flow collection, a quoted or plain scalar. */
  private inline(p: number, depth: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(p);
    if (c === 0x5b || c === 0x7b) {
      const value = this.flow(p, depth);
      this.rest(this.fp);
      return value;
    }
    this.count(depth);
    if (c === 0x22 || c === 0x27) {
      const value = this.quoted(p);
      this.rest(this.fp);
      return value;
    }
    if (!plainStart(c, s.charCodeAt(p + 1))) throw GIVE_UP;
    let e = p + 1;
    const le = this.le;
    for (; e < le; e++) {
      const d = s.charCodeAt(e);
      if (d === 0x3a && (e + 1 >= le || s.charCodeAt(e + 1) === 0x20)) throw GIVE_UP; // "a: b: c"
      if (d === 0x23 && s.charCodeAt(e - 1) === 0x20) break;
      if ((d < 0x20 || d >= 0x7f) && unusual(d)) throw GIVE_UP;
    }
    while (s.charCodeAt(e - 1) === 0x20) e--;
    return plainValue(s.slice(p, e));
  }

  /** After a value: only spaces and a comment may follow on its line. */
  private rest(i: number): void {
    const s = this.s;
    const le = this.le;
    const from = i;
    while (i < le && s.charCodeAt(i) === 0x20) i++;
    if (i < le && !(s.charCodeAt(i) === 0x23 && i > from)) throw GIVE_UP;
  }

  /** A key from [p, colon): quoted, or plain and resolving to a string. */
  private key(p: number, colon: number): string {
    const s = this.s;
    if (colon - p > 1000) throw GIVE_UP; // the library limits implicit keys to 1024 characters
    const c = s.charCodeAt(p);
    if (c === 0x22 || c === 0x27) {
      const k = this.quoted(p);
      if (this.fp !== colon) throw GIVE_UP;
      if (k === "__proto__") throw GIVE_UP;
      return k;
    }
    let e = colon;
    while (s.charCodeAt(e - 1) === 0x20) e--;
    // The same keys recur in every document: reuse the string seen last with this length and
    // first and last characters (one comparison) instead of cutting and checking a new one.
    const slot = ((e - p) * 31 + c * 7 + s.charCodeAt(e - 1)) & (KEY_SLOTS - 1);
    const seen = recentKeys[slot];
    if (seen !== undefined && seen.length === e - p && s.startsWith(seen, p)) return seen;
    for (let i = p; i < e; i++) {
      const d = s.charCodeAt(i);
      if ((d < 0x20 || d >= 0x7f) && unusual(d)) throw GIVE_UP;
    }
    const k = s.slice(p, e);
    if (k === "__proto__" || (mayNotBeString(c) && !isStringKey(k))) throw GIVE_UP;
    recentKeys[slot] = k;
    return k;
  }

  /** A one-line quoted scalar at `p`; sets fp past its closing quote. */
  private quoted(p: number): string {
    const s = this.s;
    const le = this.le;
    let out = "";
    if (s.charCodeAt(p) === 0x27) {
      let from = p + 1;
      for (let i = from; i < le; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x27) {
          out += s.slice(from, i);
          if (i + 1 < le && s.charCodeAt(i + 1) === 0x27) {
            out += "'";
            from = ++i + 1;
            continue;
          }
          this.fp = i + 1;
          return out;
        }
        if ((d < 0x20 || d >= 0x7f) && unusual(d)) throw GIVE_UP;
      }
      throw GIVE_UP; // not closed on this line
    }
    let from = p + 1;
    for (let i = from; i < le; i++) {
      const d = s.charCodeAt(i);
      if (d === 0x22) {
        out += s.slice(from, i);
        this.fp = i + 1;
        return out;
      }
      if (d === 0x5c) {
        out += s.slice(from, i);
        const [text, length] = escape(s, i + 1, le);
        out += text;
        i += length;
        from = i + 1;
        continue;
      }
      if ((d < 0x20 || d >= 0x7f) && unusual(d)) throw GIVE_UP;
    }
    throw GIVE_UP;
  }

  /** A flow collection that opens at `p` and closes on the same line; sets fp past it. */
  private flow(p: number, depth: number): RawMap | unknown[] {
    this.count(depth);
    const s = this.s;
    const le = this.le;
    const isMap = s.charCodeAt(p) === 0x7b;
    const close = isMap ? 0x7d : 0x5d;
    const keys: string[] = [];
    const values: unknown[] = [];
    let i = skipSpaces(s, p + 1, le);
    if (s.charCodeAt(i) !== close || i >= le)
      for (;;) {
        if (i >= le) throw GIVE_UP;
        if (isMap) {
          const c = s.charCodeAt(i);
          let key: string;
          if (c === 0x22 || c === 0x27) {
            key = this.quoted(i);
            i = this.fp;
            if (s.charCodeAt(i) !== 0x3a || i >= le) throw GIVE_UP;
            i++;
          } else {
            const e = this.flowPlainEnd(i);
            if (s.charCodeAt(e) !== 0x3a || e >= le || s.charCodeAt(e + 1) !== 0x20) throw GIVE_UP;
            let k = e;
            while (s.charCodeAt(k - 1) === 0x20) k--;
            key = s.slice(i, k);
            if (mayNotBeString(c) && !isStringKey(key)) throw GIVE_UP;
            i = e + 1;
          }
          if (key === "__proto__") throw GIVE_UP;
          addKey(keys, key);
          i = skipSpaces(s, i, le);
        }
        values.push(this.flowNode(i, depth + 1));
        i = skipSpaces(s, this.fp, le);
        if (i >= le) throw GIVE_UP;
        const d = s.charCodeAt(i);
        if (d === close) break;
        if (d !== 0x2c) throw GIVE_UP;
        i = skipSpaces(s, i + 1, le);
        if (s.charCodeAt(i) === close) throw GIVE_UP; // a trailing comma: rare, left to the library
      }
    this.fp = i + 1;
    return isMap ? new RawMap(keys, values) : values;
  }

  /** One value inside a flow collection; sets fp just past it. */
  private flowNode(i: number, depth: number): unknown {
    const s = this.s;
    if (i >= this.le) throw GIVE_UP;
    const c = s.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) return this.flow(i, depth);
    this.count(depth);
    if (c === 0x22 || c === 0x27) return this.quoted(i);
    const e = this.flowPlainEnd(i);
    if (e === i) throw GIVE_UP;
    let k = e;
    while (s.charCodeAt(k - 1) === 0x20) k--;
    this.fp = e;
    return plainValue(s.slice(i, k));
  }

  /** Where a plain scalar in a flow collection ends (exclusive, trailing spaces included). */
  private flowPlainEnd(i: number): number {
    const s = this.s;
    const le = this.le;
    const c = s.charCodeAt(i);
    if (!plainStart(c, s.charCodeAt(i + 1)) || isFlowIndicator(c)) throw GIVE_UP;
    if ((c === 0x2d || c === 0x3f || c === 0x3a) && isFlowIndicator(s.charCodeAt(i + 1))) throw GIVE_UP;
    let e = i + 1;
    for (; e < le; e++) {
      const d = s.charCodeAt(e);
      if (isFlowIndicator(d)) break;
      if (d === 0x3a) {
        const n = e + 1 < le ? s.charCodeAt(e + 1) : 0x20;
        if (n === 0x20 || isFlowIndicator(n)) break;
      }
      if (d === 0x23 && s.charCodeAt(e - 1) === 0x20) throw GIVE_UP; // a comment inside a flow collection
      if ((d < 0x20 || d >= 0x7f) && unusual(d)) throw GIVE_UP;
    }
    return e;
  }
}

/** A key added to a map's keys; a duplicate is left to the library (it words the message). */
function addKey(keys: string[], key: string): void {
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) throw GIVE_UP;
  keys.push(key);
}

/** Plain scalars already resolved (the same few values recur in every document). */
const resolvedValues = new Map<string, unknown>();

/** The value of a plain scalar: a core-schema tag's when one matches, else the text itself. */
function plainValue(text: string): unknown {
  if (!mayNotBeString(text.charCodeAt(0))) return text;
  if (resolvedValues.has(text)) return resolvedValues.get(text);
  const value = resolvePlain(text, VALUE_TAGS);
  if (resolvedValues.size >= MAX_RESOLVED) resolvedValues.clear();
  resolvedValues.set(text, value);
  return value;
}

function skipSpaces(s: string, i: number, le: number): number {
  while (i < le && s.charCodeAt(i) === 0x20) i++;
  return i;
}

function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

/** Can a plain scalar start with `c` (followed by `n`)? Indicators cannot; "-", "?" and ":" only
 * before a non-space, and we leave "?" and ":" starts to the library. */
function plainStart(c: number, n: number): boolean {
  switch (c) {
    case 0x2d: // -
      return n === n && n !== 0x20 && n !== 0x0a; // not NaN (end of text), not a space
    case 0x3f: // ?
    case 0x3a: // :
    case 0x2c: // ,
    case 0x5b: // [
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case 0x23: // #
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case 0x7c: // |
    case 0x3e: // >
    case 0x27: // '
    case 0x22: // "
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
    case 0x20:
      return false;
    default:
      return !unusual(c);
  }
}

const MAX_RESOLVED = 4096;

/** The value of a plain scalar: a core-schema tag's when one matches, else the text itself. */
function resolvePlain(text: string, tags: readonly ScalarTag[]): unknown {
  if (!mayNotBeString(text.charCodeAt(0))) return text;
  return resolveUncached(text, tags);
}

function resolveUncached(text: string, tags: readonly ScalarTag[]): unknown {
  const tag = resolveTag(text, tags);
  if (tag === undefined) return text;
  let failed = false;
  let value = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
  if (isScalar(value)) value = value.value; // null, booleans and floats come wrapped, as toJS unwraps them
  if (failed || (typeof value === "object" && value !== null)) throw GIVE_UP;
  return value;
}

const KEY_SLOTS = 1024;
const recentKeys: Array<string | undefined> = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

/** Keys already found to resolve to strings. */
const stringKeys = new Set<string>();

function isStringKey(k: string): boolean {
  if (stringKeys.has(k)) return true;
  if (resolveTag(k, KEY_TAGS) !== undefined) return false;
  if (stringKeys.size >= MAX_RESOLVED) stringKeys.clear();
  stringKeys.add(k);
  return true;
}

function resolveTag(text: string, tags: readonly ScalarTag[]): ScalarTag | undefined {
  for (const t of tags) if (t.test.test(text)) return t;
  return undefined;
}

/** A double-quoted escape at `i` (just after the backslash): its text and how many characters it used. */
function escape(s: string, i: number, le: number): [string, number] {
  if (i >= le) throw GIVE_UP;
  const c = s.charCodeAt(i);
  switch (c) {
    case 0x22:
      return ['"', 1];
    case 0x5c:
      return ["\\", 1];
    case 0x2f:
      return ["/", 1];
    case 0x6e:
      return ["\n", 1];
    case 0x74:
      return ["\t", 1];
    case 0x75: {
      // \uXXXX, outside the surrogate range (pairs are left to the library)
      const hex = s.slice(i + 1, i + 5);
      if (i + 5 > le || !/^[0-9a-fA-F]{4}$/.test(hex)) throw GIVE_UP;
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) throw GIVE_UP;
      return [String.fromCharCode(code), 5];
    }
    default:
      throw GIVE_UP;
  }
}
