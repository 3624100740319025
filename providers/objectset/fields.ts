// Field paths in Kubernetes objects, and which manager owns which field: the pure reading of
// metadata.managedFields (server-side apply's record of every writer) that drift detection and
// ownership decisions are built on. No I/O.
//
// A fieldsV1 set is a tree whose keys name fields: "f:name" a map field, "k:{...}" the element of
// a keyed list whose key fields have these values, "v:<json>" the element of a set with this
// value, "i:<n>" a list element by index, and "." the node itself (its parent is owned as a
// whole, children may be owned too). A key with an empty tree below it is a leaf: that field
// belongs to the manager as a whole (for an atomic list or map, every element in it).

/** One step into an object: a map key or a list index. */
export type Segment = string | number;
export type FieldPath = readonly Segment[];

/** A field one manager owns in a live object. */
export interface OwnedField {
  path: FieldPath;
  /** The manager owns the whole value (a leaf of the set); false for a node it owns with children. */
  whole: boolean;
}

/** One entry of metadata.managedFields, as the API returns it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  time?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** The value at a path, or undefined when any step is missing. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let v: unknown = obj;
  for (const s of path) {
    if (typeof s === "number") v = Array.isArray(v) ? v[s] : undefined;
    else v = isMap(v) && Object.prototype.hasOwnProperty.call(v, s) ? v[s] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** True when every step of the path exists in obj. */
export function hasPath(obj: unknown, path: FieldPath): boolean {
  return valueAt(obj, path) !== undefined;
}

const PLAIN = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** A path as a person reads it: spec.ingress[0].fromEntities, metadata.labels["istio.io/x"]. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const s of path) {
    if (typeof s === "number") out += `[${s}]`;
    else if (PLAIN.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || "(the whole object)";
}

/** A path as an RFC 6901 JSON pointer (for JSON patch). */
export function jsonPointer(path: FieldPath): string {
  return path.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

function matchesKey(element: unknown, key: Record<string, unknown>): boolean {
  if (!isMap(element)) return false;
  return Object.entries(key).every(([k, v]) => JSON.stringify(element[k]) === JSON.stringify(v));
}

/** The index in a live list that a fieldsV1 list key names, or undefined. */
function resolveListKey(key: string, live: unknown): number | undefined {
  if (!Array.isArray(live)) return undefined;
  const body = key.slice(2);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  let i = -1;
  if (key.startsWith("k:") && isMap(parsed))
    i = live.findIndex((e) => matchesKey(e, parsed as Record<string, unknown>));
  else if (key.startsWith("v:")) i = live.findIndex((e) => JSON.stringify(e) === JSON.stringify(parsed));
  else if (key.startsWith("i:") && typeof parsed === "number") i = parsed < live.length ? parsed : -1;
  return i >= 0 ? i : undefined;
}

/**
 * The fields a fieldsV1 set owns, resolved against the live object (keyed list elements become
 * indices). Fields the set names that the live object no longer has are left out.
 */
export function ownedFields(fieldsV1: unknown, live: unknown): OwnedField[] {
  const out: OwnedField[] = [];
  const walk = (node: unknown, path: Segment[], value: unknown) => {
    if (!isMap(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === ".") continue;
      let seg: Segment | undefined;
      if (key.startsWith("f:")) seg = isMap(value) && key.slice(2) in value ? key.slice(2) : undefined;
      else seg = resolveListKey(key, value);
      if (seg === undefined) continue;
      const next = [...path, seg];
      const childValue = valueAt(value, [seg]);
      const children = isMap(child) ? Object.keys(child).filter((k) => k !== ".") : [];
      if (children.length === 0) out.push({ path: next, whole: true });
      else {
        if (isMap(child) && "." in child) out.push({ path: next, whole: false });
        walk(child, next, childValue);
      }
    }
  };
  walk(fieldsV1, [], live);
  return out;
}

/** The entries of managedFields that concern the object itself (status writers are not owners). */
export function mainEntries(live: { metadata?: { managedFields?: readonly unknown[] } }): ManagedFieldsEntry[] {
  return ((live.metadata?.managedFields ?? []) as ManagedFieldsEntry[]).filter((e) => !e.subresource && e.manager);
}

/** The managers of the object itself, each once, in the order managedFields lists them. */
export function managersOf(live: { metadata?: { managedFields?: readonly unknown[] } }): string[] {
  return [...new Set(mainEntries(live).map((e) => e.manager as string))];
}

/**
 * Who owns the field at a path, for messages: the managers of that field or of fields inside it;
 * failing those, the manager of the nearest enclosing value owned whole (an atomic list someone
 * replaced).
 */
export function ownersOfPath(live: { metadata?: { managedFields?: readonly unknown[] } }, path: FieldPath): string[] {
  const prefixOf = (a: FieldPath, b: FieldPath) => a.length <= b.length && a.every((s, i) => s === b[i]);
  const inside = new Set<string>();
  let enclosing: { depth: number; managers: Set<string> } = { depth: -1, managers: new Set() };
  for (const e of mainEntries(live)) {
    for (const f of ownedFields(e.fieldsV1, live)) {
      if (prefixOf(path, f.path)) inside.add(e.manager as string);
      else if (f.whole && prefixOf(f.path, path) && f.path.length >= enclosing.depth) {
        if (f.path.length > enclosing.depth) enclosing = { depth: f.path.length, managers: new Set() };
        enclosing.managers.add(e.manager as string);
      }
    }
  }
  return [...(inside.size ? inside : enclosing.managers)].sort();
}
