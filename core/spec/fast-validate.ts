// The fast path of the validator. zod stays the one definition of every Lattice kind and the one
// source of error messages; this module compiles those same schemas (their definitions, read once)
// into plain functions that accept what zod accepts and build exactly the value zod's parse returns
// (objects with their keys in schema order, records in input order). They answer "valid, here is
// the value" or "not sure": a document that is not valid (or holds something unusual, such as a
// `__proto__` key or a class instance) goes through zod itself, which reports the problems. Leaves
// (strings, numbers, literals, enums) and any construct not handled here are run by zod's own
// code for that node, and refinements (superRefine) are zod's check functions called as zod calls
// them, so nothing about what is valid is written twice.
import type { z } from "zod";
import { RawMap, toPlain } from "./yaml-fast";

/** A compiled node: the parsed value, or INVALID (zod rejects it), or UNSURE (ask zod). */
type Fast = (value: unknown) => unknown;

/**
 * What the input is. "copy": someone else's value (a component's args): every container in the
 * result is new, as zod's are. "owned": a value the caller gives away (one the YAML library just
 * built): containers that are already exactly what zod would build are kept. "raw": the YAML fast
 * path's tree, whose maps are RawMaps: every object is built here, once, in schema order.
 */
export type Mode = "copy" | "owned" | "raw";

export const INVALID: unique symbol = Symbol("invalid");
export const UNSURE: unique symbol = Symbol("unsure");

const isSentinel = (v: unknown): v is typeof INVALID | typeof UNSURE => v === INVALID || v === UNSURE;

interface ZodInternals {
  def: Record<string, unknown> & { type: string; checks?: Check[] };
  run: (payload: Payload, ctx: object) => Payload | Promise<Payload>;
  optin?: string;
  optout?: string;
  values?: Set<unknown>;
  propValues?: Record<string, Set<unknown>>;
  traits: Set<string>;
}
interface Payload {
  value: unknown;
  issues: unknown[];
}
interface Check {
  _zod: { def: { when?: (p: Payload) => boolean }; check: (p: Payload) => unknown };
}

const internals = (schema: unknown): ZodInternals => (schema as { _zod: ZodInternals })._zod;
const CTX = { async: false };

function isPlainData(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A node run by zod itself (anything this module does not compile). */
function byZod(schema: unknown, mode: Mode): Fast {
  const zod = internals(schema);
  return (value) => {
    let p: Payload | Promise<Payload>;
    try {
      p = zod.run({ value: mode === "raw" ? toPlain(value) : value, issues: [] }, CTX);
    } catch {
      return UNSURE;
    }
    if (p instanceof Promise) return UNSURE;
    return p.issues.length ? INVALID : p.value;
  };
}

/**
 * A leaf: the type test of zod's parse for that type, then the schema's checks (a schema may be a
 * check itself: z.int() is a number schema and its own format check), called as zod calls them.
 */
function compileLeaf(schema: unknown, mode: Mode): Fast {
  const zod = internals(schema);
  const def = zod.def;
  if (def.coerce) return byZod(schema, mode);
  const checks = zod.traits.has("$ZodCheck") ? [schema as Check, ...(def.checks ?? [])] : [...(def.checks ?? [])];
  let test: (v: unknown) => boolean;
  switch (def.type) {
    case "string":
      test = (v) => typeof v === "string";
      break;
    case "number":
      test = (v) => typeof v === "number" && Number.isFinite(v);
      break;
    case "boolean":
      test = (v) => typeof v === "boolean";
      break;
    default: {
      const values = zod.values;
      if (!values) return byZod(schema, mode);
      test = (v) => values.has(v);
    }
  }
  if (checks.length === 0) return (value) => (test(value) ? value : INVALID);
  // One payload per leaf, reused (checks of a leaf never validate that leaf again; if one did,
  // the inner call would take a new payload).
  const shared: Payload = { value: undefined, issues: [] };
  let busy = false;
  return (value) => {
    if (!test(value)) return INVALID;
    const payload: Payload = busy ? { value, issues: [] } : shared;
    if (!busy) {
      busy = true;
      payload.value = value;
      payload.issues.length = 0;
    }
    try {
      const verdict = runChecks(checks, payload);
      return verdict ?? payload.value;
    } finally {
      if (payload === shared) {
        busy = false;
        shared.value = undefined;
      }
    }
  };
}

/**
 * Run zod checks on `payload` as zod runs them: UNSURE when a check throws or is async (zod decides
 * then), INVALID at the first issue, undefined when all pass.
 */
function runChecks(checks: readonly Check[], payload: Payload): typeof INVALID | typeof UNSURE | undefined {
  for (let i = 0; i < checks.length; i++) {
    const ch = checks[i]!;
    const when = ch._zod.def.when;
    if (when && !when(payload)) continue;
    let r: unknown;
    try {
      r = ch._zod.check(payload);
    } catch {
      return UNSURE;
    }
    if (r instanceof Promise) return UNSURE;
    if (payload.issues.length) return INVALID;
  }
  return undefined;
}

/** The schema's own checks (refinements), run on the parsed value as zod runs them. */
function withChecks(schema: unknown, node: Fast): Fast {
  const checks = internals(schema).def.checks ?? [];
  if (checks.length === 0) return node;
  return (value) => {
    const out = node(value);
    if (isSentinel(out)) return out;
    return runChecks(checks, { value: out, issues: [] }) ?? out;
  };
}

const compiled: Record<Mode, WeakMap<object, Fast>> = { copy: new WeakMap(), owned: new WeakMap(), raw: new WeakMap() };

/** The fast function of a zod schema for inputs of one Mode (compiled once per schema and mode). */
export function compileFast(schema: z.ZodType, mode: Mode = "copy"): Fast {
  const cache = compiled[mode];
  let f = cache.get(schema);
  if (!f) {
    // A placeholder first, for schemas that refer to themselves.
    const slot: { f?: Fast } = {};
    cache.set(schema, (v) => (slot.f as Fast)(v));
    f = slot.f = compileNode(schema, mode);
    cache.set(schema, f);
  }
  return f;
}

function compileNode(schema: z.ZodType, mode: Mode): Fast {
  const zod = internals(schema);
  const def = zod.def;
  switch (def.type) {
    case "string":
    case "number":
    case "boolean":
    case "literal":
    case "enum":
      return compileLeaf(schema, mode);
  }
  // Any other schema that is itself a check is left to zod.
  if (zod.traits.has("$ZodCheck")) return byZod(schema, mode);
  switch (def.type) {
    case "object": {
      const node = mode === "raw" ? compileRawObject(def) : compileObject(def, mode === "owned");
      return node === UNSUPPORTED ? byZod(schema, mode) : withChecks(schema, node);
    }
    case "record":
      return withChecks(schema, compileRecord(schema, def, mode));
    case "array":
      return withChecks(schema, compileArray(def, mode));
    case "optional":
      return withChecks(schema, compileOptional(schema, def, mode));
    case "union":
      return withChecks(schema, compileUnion(schema, def, mode));
    default:
      return byZod(schema, mode);
  }
}

function compileObject(def: ZodInternals["def"], owned: boolean): Fast {
  const shape = def.shape as Record<string, z.ZodType>;
  const keys = Object.keys(shape);
  const catchall = def.catchall as z.ZodType | undefined;
  const strict = catchall !== undefined && internals(catchall).def.type === "never";
  if (Object.getOwnPropertySymbols(shape).length || (catchall !== undefined && !strict) || keys.includes("__proto__"))
    return UNSUPPORTED;
  const fields = keys.map((key) => {
    const field = internals(shape[key]);
    const optional = field.optin === "optional" && field.optout === "optional";
    if (!optional && field.optin !== undefined) return undefined; // defaults and the like: zod decides
    return { key, optional, parse: compileFast(shape[key] as z.ZodType, owned ? "owned" : "copy") };
  });
  if (fields.some((f) => f === undefined)) return UNSUPPORTED;
  const list = fields as Array<{ key: string; optional: boolean; parse: Fast }>;
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return INVALID;
    if (!isPlainData(value)) return UNSURE;
    const input = value as Record<string, unknown>;
    // The input's own keys, matched against the fields present in schema order: all matched, in
    // that order, means no unknown key and (when owned) nothing to rebuild.
    const own = Object.keys(input);
    let matched = 0;
    let inOrder = true;
    let out: Record<string, unknown> | undefined = owned ? undefined : {};
    for (let i = 0; i < list.length; i++) {
      const f = list[i]!;
      if (!(f.key in input)) {
        if (f.optional) continue;
        return INVALID;
      }
      const v = input[f.key];
      if (v === undefined) return UNSURE;
      const r = f.parse(v);
      if (isSentinel(r)) return r;
      if (own[matched] !== f.key) inOrder = false;
      matched++;
      if (out === undefined && (r !== v || !inOrder)) {
        // Rebuild from here: the fields before this one, then this one.
        out = {};
        for (let j = 0; j < i; j++) {
          const g = list[j]!;
          if (g.key in input) out[g.key] = input[g.key];
        }
      }
      if (out !== undefined) out[f.key] = r;
    }
    if (matched !== own.length) {
      if (matched > own.length) return UNSURE; // a field found only on the prototype chain
      if (strict) return INVALID; // an unknown key
      out ??= copyFields(input, list);
    }
    return out ?? input;
  };
}

/** An object read from a RawMap: each field looked up among the map's keys, the result built in
 * schema order; a key the schema does not have is an error (strict) or dropped. */
function compileRawObject(def: ZodInternals["def"]): Fast {
  const shape = def.shape as Record<string, z.ZodType>;
  const keys = Object.keys(shape);
  const catchall = def.catchall as z.ZodType | undefined;
  const strict = catchall !== undefined && internals(catchall).def.type === "never";
  if (Object.getOwnPropertySymbols(shape).length || (catchall !== undefined && !strict) || keys.includes("__proto__"))
    return UNSUPPORTED;
  const fields = keys.map((key) => {
    const field = internals(shape[key]);
    const optional = field.optin === "optional" && field.optout === "optional";
    if (!optional && field.optin !== undefined) return undefined;
    return { key, optional, parse: compileFast(shape[key] as z.ZodType, "raw") };
  });
  if (fields.some((f) => f === undefined)) return UNSUPPORTED;
  const list = fields as Array<{ key: string; optional: boolean; parse: Fast }>;
  return (value) => {
    if (!(value instanceof RawMap))
      return typeof value === "object" && value !== null && !Array.isArray(value) ? UNSURE : INVALID;
    const mk = value.keys;
    const mv = value.values;
    const out: Record<string, unknown> = {};
    let matched = 0;
    for (let i = 0; i < list.length; i++) {
      const f = list[i]!;
      let at = -1;
      for (let j = 0; j < mk.length; j++)
        if (mk[j] === f.key) {
          at = j;
          break;
        }
      if (at < 0) {
        if (f.optional) continue;
        return INVALID;
      }
      matched++;
      const r = f.parse(mv[at]);
      if (isSentinel(r)) return r;
      out[f.key] = r;
    }
    if (matched !== mk.length && strict) return INVALID; // an unknown key
    return out;
  };
}

/** A new object in dictionary mode: for records, whose keys are the user's (a service's peers),
 * V8 would otherwise make a new hidden class per document. The result is an ordinary object. */
function dictionaryObject(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 0, b: 0 };
  delete o.a; // deleting a property other than the last one switches the object to dictionary mode
  delete o.b;
  return o;
}
const DICTIONARY_FROM = 5;

/** The fields of `input` that the schema has, in schema order (unknown keys stripped). */
function copyFields(input: Record<string, unknown>, list: ReadonlyArray<{ key: string }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of list) if (f.key in input) out[f.key] = input[f.key];
  return out;
}

/** Marks a construct zod must run; compileNode then falls back to byZod. */
const UNSUPPORTED: Fast = () => UNSURE;

function compileRecord(schema: z.ZodType, def: ZodInternals["def"], mode: Mode): Fast {
  const keyType = def.keyType as z.ZodType;
  const k = internals(keyType);
  // Keys from an enum, loose records, and key schemas other than a plain string: zod decides.
  if (k.values || def.mode === "loose" || k.def.type !== "string") return byZod(schema, mode);
  const parseKey = compileFast(keyType);
  const parseValue = compileFast(def.valueType as z.ZodType, mode);
  if (mode === "raw")
    return (value) => {
      if (!(value instanceof RawMap))
        return typeof value === "object" && value !== null && !Array.isArray(value) ? UNSURE : INVALID;
      const mk = value.keys;
      const mv = value.values;
      const out = mk.length >= DICTIONARY_FROM ? dictionaryObject() : {};
      for (let i = 0; i < mk.length; i++) {
        const key = mk[i]!;
        const pk = parseKey(key);
        if (pk !== key) return isSentinel(pk) ? pk : UNSURE;
        const r = parseValue(mv[i]);
        if (isSentinel(r)) return r;
        out[key] = r;
      }
      return out;
    };
  const owned = mode === "owned";
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return INVALID;
    if (!isPlainData(value) || Object.getOwnPropertySymbols(value).length) return UNSURE;
    const input = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined = owned ? undefined : {};
    const keys = Object.keys(input);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === "__proto__") return UNSURE;
      const pk = parseKey(key);
      if (pk !== key) return isSentinel(pk) ? pk : UNSURE;
      const v = input[key];
      const r = parseValue(v);
      if (isSentinel(r)) return r;
      if (out === undefined && r !== v) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = input[keys[j]!];
      }
      if (out !== undefined) out[key] = r;
    }
    return out ?? input;
  };
}

function compileArray(def: ZodInternals["def"], mode: Mode): Fast {
  const element = compileFast(def.element as z.ZodType, mode);
  // A raw list is ours: its elements are replaced by their results in place.
  const reuse = mode !== "copy";
  return (value) => {
    if (!Array.isArray(value)) return INVALID;
    let out: unknown[] | undefined = reuse ? undefined : new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = element(v);
      if (isSentinel(r)) return r;
      if (out === undefined && r !== v) out = mode === "raw" ? value : value.slice(0, i);
      if (out !== undefined) out[i] = r;
    }
    return out ?? value;
  };
}

function compileOptional(schema: z.ZodType, def: ZodInternals["def"], mode: Mode): Fast {
  const innerType = def.innerType as z.ZodType;
  if (internals(innerType).optin === "defaulted") return byZod(schema, mode);
  const inner = compileFast(innerType, mode);
  return (value) => (value === undefined ? undefined : inner(value));
}

function compileUnion(schema: z.ZodType, def: ZodInternals["def"], mode: Mode): Fast {
  const options = def.options as z.ZodType[];
  if (def.inclusive === false && def.discriminator === undefined) return byZod(schema, mode); // exclusive unions
  if (def.discriminator !== undefined) return compileDiscriminated(schema, def, options, mode);
  const parsers = options.map((o) => compileFast(o, mode));
  return (value) => {
    for (let i = 0; i < parsers.length; i++) {
      const r = parsers[i]!(value);
      if (r === UNSURE) return UNSURE;
      if (r !== INVALID) return r; // the first option that accepts, as zod picks it
    }
    return INVALID;
  };
}

function compileDiscriminated(schema: z.ZodType, def: ZodInternals["def"], options: z.ZodType[], mode: Mode): Fast {
  const disc = def.discriminator as string;
  if (def.unionFallback) return byZod(schema, mode);
  // The option each discriminator value selects, as zod's own map (a value claimed twice is ambiguous).
  const byValue = new Map<unknown, Fast | null>();
  for (const option of options) {
    const values = internals(option).propValues?.[disc];
    if (!values || values.size === 0) return byZod(schema, mode);
    for (const v of values) byValue.set(v, byValue.has(v) ? null : compileFast(option, mode));
  }
  return (value) => {
    let tag: unknown;
    if (value instanceof RawMap) {
      const at = value.keys.indexOf(disc);
      tag = at < 0 ? undefined : value.values[at];
    } else if (mode === "raw" || typeof value !== "object" || value === null || Array.isArray(value)) {
      return mode === "raw" && typeof value === "object" && value !== null && !Array.isArray(value) ? UNSURE : INVALID;
    } else tag = (value as Record<string, unknown>)[disc];
    const option = byValue.get(tag);
    if (option === null) return UNSURE;
    return option === undefined ? INVALID : option(value);
  };
}
