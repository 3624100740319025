// The validator's fast path against zod: for any value, compileFast(schema, mode) either declines
// (INVALID or UNSURE, and zod then decides) or returns exactly what zod's parse returns: the same
// value with the same key order. It must never accept what zod rejects. Every mode: "copy" (a
// component's args), "owned" (a value the YAML library built) and "raw" (the YAML fast path's
// tree of RawMaps, here made by reading the value written out as YAML). And valid Lattice
// documents must actually take it.
import fc from "fast-check";
import type { z } from "zod";
import { generateInput } from "../../bench/compile";
import { loadValid } from "../testing/fixtures";
import { compileFast, INVALID, UNSURE } from "./fast-validate";
import { KIND_SCHEMAS, LATTICE_KINDS } from "./validate";
import { stringify } from "yaml";
import { parseYamlDocuments } from "./yaml";
import { parseFastDocument, toPlain, UNSURE as UNSURE_YAML } from "./yaml-fast";

const show = (v: unknown) => JSON.stringify(v);

/** The value as the YAML fast path reads it written out as YAML (undefined if it cannot). */
function rawOf(value: unknown): unknown {
  if (value === null || typeof value !== "object") return undefined;
  const text = stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
  const raw = parseFastDocument(text, 0, text.length, { maxDepth: 64, maxNodes: 100_000 });
  return raw === UNSURE_YAML ? undefined : raw;
}

function agree(schema: z.ZodType, value: unknown): void {
  const check = (mode: string, input: unknown, fast: unknown) => {
    const zod = schema.safeParse(input);
    if (fast === INVALID) expect([mode, show(input), zod.success]).toEqual([mode, show(input), false]);
    else if (fast !== UNSURE)
      expect([mode, show(input), zod.success, show(fast)]).toEqual([mode, show(input), true, show(zod.data)]);
  };
  check("copy", value, compileFast(schema)(value));
  check("owned", value, compileFast(schema, "owned")(structuredClone(value)));
  const raw = rawOf(value);
  if (raw !== undefined) check("raw", toPlain(raw), compileFast(schema, "raw")(raw));
}

const examples = loadValid("examples").map((d) => JSON.parse(JSON.stringify(d.doc)) as Record<string, unknown>);

describe("the validator's fast path", () => {
  it("accepts every example as zod parses it", () => {
    for (const doc of examples) {
      const fast = compileFast(KIND_SCHEMAS[doc.kind as keyof typeof KIND_SCHEMAS] as z.ZodType)(doc);
      expect(fast).not.toBe(INVALID);
      expect(fast).not.toBe(UNSURE);
      const raw = compileFast(KIND_SCHEMAS[doc.kind as keyof typeof KIND_SCHEMAS] as z.ZodType, "raw")(rawOf(doc));
      expect([doc.kind, raw === INVALID || raw === UNSURE]).toEqual([doc.kind, false]);
      agree(KIND_SCHEMAS[doc.kind as keyof typeof KIND_SCHEMAS] as z.ZodType, doc);
    }
  });

  it("accepts the benchmark's services", () => {
    const { docs } = parseYamlDocuments(generateInput(30), "bench.yaml");
    for (const d of docs) {
      const fast = compileFast(KIND_SCHEMAS.LatticeService as z.ZodType)(d.value);
      expect(typeof fast).toBe("object");
      agree(KIND_SCHEMAS.LatticeService as z.ZodType, d.value);
    }
  });

  it("builds objects with zod's key order, whatever the input's", () => {
    const reordered = {
      spec: {
        resources: { db: { direction: "outbound", type: "service" } },
        containers: { main: { image: "x:1" } },
        replicas: 2,
      },
      metadata: { namespace: "shop", name: "api" },
      kind: "LatticeService",
      apiVersion: "lattice.dev/v1alpha1",
    };
    agree(KIND_SCHEMAS.LatticeService as z.ZodType, reordered);
    expect(Object.keys(compileFast(KIND_SCHEMAS.LatticeService as z.ZodType)(reordered) as object)).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec",
    ]);
  });

  it("declines what zod rejects and unusual inputs, accepting nothing zod would not", () => {
    const svc = KIND_SCHEMAS.LatticeService as z.ZodType;
    const base = examples.find((d) => d.kind === "LatticeService")!;
    const withSpec = (spec: unknown) => ({ ...base, spec });
    for (const v of [
      null,
      [],
      "x",
      { ...base, extra: 1 },
      withSpec({ containers: {} }),
      withSpec({ containers: { main: { image: "x:1" } }, replicas: 1.5 }),
      withSpec({ containers: { main: { image: "x:1" } }, resources: { a: { type: "service", direction: "in" } } }),
      withSpec({ containers: { main: { image: "x:1" } }, resources: { a: { type: "nope" } } }),
      withSpec({ containers: { "Bad Name": { image: "x:1" } } }),
      withSpec(Object.assign(Object.create({ inherited: 1 }), { containers: { main: { image: "x:1" } } })),
      withSpec({
        containers: { main: { image: "x:1" } },
        resources: Object.fromEntries(
          [...Array(12).keys()].map((i) => [`peer-${i}`, { type: "service", direction: "outbound" }]),
        ),
      }),
      withSpec({ containers: JSON.parse('{"__proto__": {"image": "x:1"}}') }),
      withSpec({ containers: { main: { image: "x:1", variables: { A: undefined } } } }),
    ])
      agree(svc, v);
  });

  // Damaged documents, as in the fuzz test: every kind, every field set to odd values.
  const odd = fc.oneof(
    fc.constantFrom(null, true, 0, -1, 1.5, 65536, "", "x", "inbound", "service", "volume", "1Ti", "a/b", [], {}),
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.jsonValue({ maxDepth: 2 }),
  );
  function pathsOf(v: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
    out.push(prefix);
    if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
    return out;
  }

  it("agrees with zod on damaged documents of every kind", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom("set", "delete", "add"),
            value: odd,
            key: fc.string({ maxLength: 6 }),
          }),
          {
            minLength: 0,
            maxLength: 3,
          },
        ),
        (which, ops) => {
          const doc = JSON.parse(JSON.stringify(examples[which % examples.length])) as Record<string, unknown>;
          for (const op of ops) {
            const paths = pathsOf(doc).filter((p) => p.length > 0);
            const path = paths[op.at % paths.length]!;
            let parent = doc as Record<string | number, unknown>;
            for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
            const last = path[path.length - 1]!;
            if (op.op === "set") parent[last] = op.value;
            else if (op.op === "delete") delete parent[last];
            else if (parent[last] && typeof parent[last] === "object" && !Array.isArray(parent[last]))
              (parent[last] as Record<string, unknown>)[op.key] = op.value;
          }
          for (const kind of LATTICE_KINDS) agree(KIND_SCHEMAS[kind] as z.ZodType, doc);
        },
      ),
      { numRuns: 1000, seed: 20261203 },
    );
  });
});
