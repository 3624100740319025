// Fuzz: ≥10,000 documents derived from the examples by random damage (wrong types, missing and extra
// fields, huge and unicode strings, deep nesting, anchors and aliases, duplicate keys, cut-off and
// garbled text). Every one must either compile or be rejected with `file#doc: ...` errors: never an
// exception, never a hang (jest's timeout), never a result that is both objects and errors.
import fc from "fast-check";
import { stringify } from "yaml";
import { compileAll } from "../compile";
import { loadValid, TEST_OPTIONS } from "../testing/fixtures";
import { formatSpecError, loadDocuments, validateDocument, type SourcedDocument, type SpecError } from ".";

const SETS = [
  "examples/webapp",
  "examples/external",
  "examples/shared-volume",
  "examples/cross-namespace",
  "examples/clusters",
];
const loadedSets = new Map(SETS.map((dir) => [dir, loadValid(dir)]));
const bases = SETS.flatMap((dir) =>
  (loadedSets.get(dir) ?? []).map((d) => ({ dir, doc: d, value: JSON.parse(JSON.stringify(d.doc)) as unknown })),
);
const ERROR_LINE = /^fuzz\.yaml#[0-9]+: .+$/;

type Path = Array<string | number>;

function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

function parentOf(
  root: unknown,
  path: Path,
): { parent: Record<string | number, unknown> | undefined; last: string | number | undefined } {
  let cur = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) cur = cur?.[seg] as Record<string | number, unknown>;
  return { parent: cur && typeof cur === "object" ? cur : undefined, last: path[path.length - 1] };
}

const deep = fc.integer({ min: 50, max: 400 }).map((n) => {
  let v: unknown = "bottom";
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { nested: v };
  return v;
});

// Expensive shapes (a 100,000-character string, hundreds of nesting levels) are rarer than cheap
// ones, so that 10,000 documents stay a few seconds of work.
const value = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 4, arbitrary: fc.double() },
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.string() },
  // Any code point, lone surrogates included (a mapped unit: fast-check's "binary" unit builds a
  // reverse map of all 1.1M code points first, which costs more than the rest of this suite).
  {
    weight: 4,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      maxLength: 40,
    }),
  },
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "inbound",
      "outbound",
      "service",
      "volume",
      "external-service",
      "1Ti",
      "api",
      "https://api.stripe.com:443",
      "10.0.0.0/8",
    ),
  },
  { weight: 1, arbitrary: fc.constant("x".repeat(100_000)) },
  { weight: 4, arbitrary: fc.array(fc.anything({ maxDepth: 2, maxKeys: 3 }), { maxLength: 4 }) },
  {
    weight: 4,
    arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 2, maxKeys: 3 }), { maxKeys: 4 }),
  },
  { weight: 1, arbitrary: deep },
);

const damage = fc.record({
  base: fc.nat(),
  // How the damaged document enters: as YAML text, as JSON text (JSON is YAML too, in flow style),
  // or as a plain value (what a Pulumi component's args are) handed straight to validateDocument.
  entry: fc.constantFrom("yaml", "json", "json", "args", "args"),
  ops: fc.array(
    fc.record({
      kind: fc.constantFrom("set", "delete", "add", "rename"),
      at: fc.nat(),
      value,
      key: fc.string({ maxLength: 12 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  text: fc.oneof(
    { weight: 10, arbitrary: fc.constant({ kind: "none" as const }) },
    fc.record({ kind: fc.constant("duplicate-key" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("anchors" as const),
      fanout: fc.integer({ min: 2, max: 12 }),
      levels: fc.integer({ min: 1, max: 8 }),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      s: fc.constantFrom(
        ":",
        "- ",
        "{",
        "]",
        "&a ",
        "*a",
        "!!binary ",
        "\t",
        "'",
        '"',
        "---\n",
        "? ",
        "%YAML 1.2\n",
        "<<: *x\n",
      ),
    }),
    fc.record({ kind: fc.constant("deep-flow" as const), depth: fc.integer({ min: 100, max: 400 }) }),
  ),
});

function mutate(base: unknown, ops: Array<{ kind: string; at: number; value: unknown; key: string }>): unknown {
  const root = JSON.parse(JSON.stringify(base)) as unknown;
  for (const op of ops) {
    const paths = pathsOf(root).filter((p) => p.length > 0);
    const path = paths[op.at % paths.length] as Path;
    const { parent, last } = parentOf(root, path);
    if (!parent || last === undefined) continue;
    if (op.kind === "set") parent[last] = op.value;
    else if (op.kind === "delete") delete parent[last];
    else if (op.kind === "add") {
      const target = parent[last];
      if (target && typeof target === "object" && !Array.isArray(target))
        (target as Record<string, unknown>)[op.key] = op.value;
      else parent[op.key] = op.value;
    } else if (!Array.isArray(parent)) {
      const v = parent[last];
      delete parent[last];
      parent[op.key] = v;
    }
  }
  return root;
}

function damageText(
  text: string,
  t: { kind: string; at?: number; s?: string; fanout?: number; levels?: number; depth?: number },
): string {
  const lines = text.split("\n");
  switch (t.kind) {
    case "duplicate-key": {
      const i = (t.at ?? 0) % lines.length;
      return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join("\n");
    }
    case "anchors": {
      // Aliases fanning out level by level: harmless at small sizes, an alias bomb at large ones.
      let s = `extra:\n  l0: &l0 [x${", x".repeat((t.fanout ?? 2) - 1)}]\n`;
      for (let i = 1; i <= (t.levels ?? 1); i++)
        s += `  l${i}: &l${i} [*l${i - 1}${`, *l${i - 1}`.repeat((t.fanout ?? 2) - 1)}]\n`;
      return text + s;
    }
    case "truncate":
      return text.slice(0, (t.at ?? 0) % (text.length + 1));
    case "insert": {
      const at = (t.at ?? 0) % (text.length + 1);
      return text.slice(0, at) + (t.s ?? "") + text.slice(at);
    }
    case "deep-flow":
      // As a YAML field; appended to JSON it would only test the parser's (slow) error recovery.
      return text.startsWith("{")
        ? text
        : `${text}\nflow: ${"[".repeat(t.depth ?? 100)}${"]".repeat(t.depth ?? 100)}\n`;
    default:
      return text;
  }
}

describe("fuzz: damaged documents compile or are rejected, never crash", () => {
  it("10,000 damaged documents", () => {
    let compiled = 0;
    let rejected = 0;
    fc.assert(
      fc.property(damage, ({ base, entry, ops, text: t }) => {
        const b = bases[base % bases.length] as (typeof bases)[number];
        const damaged = mutate(b.value, ops);
        // The damaged document is compiled together with the rest of its (valid) example set.
        const others = (loadedSets.get(b.dir) ?? []).filter((d) => d !== b.doc);
        let loaded: { docs: SourcedDocument[]; errors: SpecError[] };
        if (entry === "args") {
          const v = validateDocument(damaged, { file: "fuzz.yaml", doc: 1 });
          loaded = v.ok
            ? { docs: [{ source: { file: "fuzz.yaml", doc: 1 }, doc: v.value }], errors: [] }
            : { docs: [], errors: v.errors };
        } else {
          const text = damageText(
            entry === "json" ? JSON.stringify(damaged, null, 1) : stringify(damaged, { aliasDuplicateObjects: false }),
            t,
          );
          loaded = loadDocuments([{ file: "fuzz.yaml", text }]);
        }
        if (loaded.errors.length > 0) {
          for (const e of loaded.errors) expect(formatSpecError(e)).toMatch(ERROR_LINE);
          expect(loaded.errors.some((e) => e.message.startsWith("internal error"))).toBe(false);
          rejected++;
          return;
        }
        const r = compileAll([...loaded.docs, ...others], TEST_OPTIONS);
        if (r.ok) {
          expect(Array.isArray(r.objects)).toBe(true);
          expect("errors" in r).toBe(false);
          compiled++;
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
          expect("objects" in r).toBe(false);
          for (const e of r.errors) expect(formatSpecError(e)).toMatch(/^[^#\n]+#[0-9]+: .+$/);
          rejected++;
        }
      }),
      { numRuns: 10_000 },
    );
    expect(compiled + rejected).toBe(10_000);
    // Damage must not be so total that nothing ever compiles (then compile paths would go unfuzzed).
    expect(compiled).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(5_000);
  }, 120_000);
});
