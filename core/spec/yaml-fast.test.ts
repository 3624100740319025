// The fast YAML path against the library: for any stream, forEachYamlDocument (fast path, with the
// library re-reading the documents it is unsure of) must give exactly what the library alone gives
// for the whole file: the same values (key order, -0, NaN included), the same document numbers and
// the same errors with the same lines and columns. And the subset Lattice YAML is written in must
// actually take the fast path.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { generateInput } from "../../bench/compile";
import { REPO_ROOT } from "../testing/fixtures";
import { DEFAULT_YAML_LIMITS, forEachYamlDocument, parseWithLibrary, type RawDocument } from "./yaml";
import { parseFastDocument, splitDocuments, UNSURE } from "./yaml-fast";

/** Values as text, keeping what JSON would lose (key order is kept by JSON.stringify). */
function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "number" && (Object.is(x, -0) || !Number.isFinite(x)) ? `<number ${Object.is(x, -0) ? "-0" : x}>` : x,
  );
}

function both(text: string): { fast: string; library: string } {
  const read = (f: typeof forEachYamlDocument) => {
    const docs: RawDocument[] = [];
    const errors = f(text, "f.yaml", (d) => docs.push(d), DEFAULT_YAML_LIMITS);
    return show({ docs: docs.map((d) => [d.doc, d.value]), errors });
  };
  return {
    fast: read(forEachYamlDocument),
    library: read((t, file, on, limits) => parseWithLibrary(t, file, on, limits).errors),
  };
}

function expectSame(text: string): void {
  const { fast, library } = both(text);
  if (fast !== library) require("fs").writeFileSync("/tmp/fail.yaml", text);
  if (fast !== library) expect({ text, fast }).toEqual({ text, fast: library });
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(REPO_ROOT, dir)).sort()) {
    const p = join(dir, e);
    if (statSync(join(REPO_ROOT, p)).isDirectory()) out.push(...yamlFilesUnder(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

/** Whether every document of a stream took the fast path. */
function allFast(text: string): boolean {
  const spans = splitDocuments(text);
  if (!spans) return false;
  return spans.every((s) => {
    const body = s.marker ? text.indexOf("\n", s.start) + 1 || s.end : s.start;
    return parseFastDocument(text, Math.min(body, s.end), s.end, DEFAULT_YAML_LIMITS) !== UNSURE;
  });
}

describe("fast YAML path", () => {
  const files = [...yamlFilesUnder("examples"), ...yamlFilesUnder("core/spec/__corpus__")];

  it.each(files)("reads %s as the library does", (file) => {
    expectSame(readFileSync(join(REPO_ROOT, file), "utf8"));
  });

  it("takes the fast path for the examples and the benchmark's services", () => {
    for (const file of yamlFilesUnder("examples"))
      expect([file, allFast(readFileSync(join(REPO_ROOT, file), "utf8"))]).toEqual([file, true]);
    expect(allFast(generateInput(20))).toBe(true);
  });

  it("splits streams and numbers documents as the library does", () => {
    for (const text of [
      "",
      "# only a comment\n",
      "---\n",
      "---\n---\n",
      "a: 1\n---\n",
      "a: 1\n---",
      "# c\n---\na: 1\n",
      "\n---\na: 1\n",
      "a: 1\n--- \nb: 2\n",
      "a: 1\n---  # c\nb: 2\n",
      "---\n# nothing\n---\na: 1\n---\n---\nb: 2\n",
      "a: 1\n--- b\n",
      "a: 1\n...\nb: 2\n",
      "%YAML 1.2\n---\na: 1\n",
      "a: 1\r\nb: 2\r\n",
      "\uFEFFa: 1\n",
    ])
      expectSame(text);
  });

  it("resolves scalars with the library's core schema", () => {
    const scalars = [
      "1",
      "-0",
      "+5",
      "007",
      "0o17",
      "0x1F",
      "1.5",
      "1.",
      ".5",
      "1e3",
      "-1.5E-3",
      ".inf",
      "-.Inf",
      ".nan",
      "~",
      "null",
      "Null",
      "NULL",
      "nULL",
      "true",
      "True",
      "TRUE",
      "tRUE",
      "false",
      "yes",
      "no",
      "on",
      "off",
      "12345678901234567890",
      "1_000",
      "0b101",
      "-",
      "--",
      "-x",
      "-.5",
      "+.5",
      "+",
      ".",
      "..",
      "...x",
      "<<",
      "<a",
      "n",
      "t",
      "f",
      "N",
      "T",
      "F",
      "2026-12-03",
      "1:30",
      "3.",
      "0.",
      "00",
      "1e",
      "e1",
      "0x",
      "0o",
      "inf",
      "nan",
      "NaN",
      "Infinity",
      "café",
      "a b",
    ];
    for (const s of scalars) {
      expectSame(`k: ${s}\n`);
      expectSame(`- ${s}\n`);
      expectSame(`k: [${s}, x]\n`);
      expectSame(`k: {a: ${s}}\n`);
      expectSame(`${s}: v\n`);
      expectSame(`k: {${s}: v}\n`);
    }
  });

  it("every character a non-string scalar may start with is one the fast path resolves by tag", () => {
    // The fast path takes a plain scalar to be a string, without trying the library's tags, when
    // its first character is none of 0-9 + - . ~ n N t T f F <. Check that claim with the library.
    for (let c = 0x21; c < 0x7f; c++) {
      const ch = String.fromCharCode(c);
      if ("0123456789+-.~nNtTfF<".includes(ch) || "#&*!|>'\"%@`,[]{}?:".includes(ch)) continue;
      for (const rest of ["", "1", "ull", "rue", "0", "inf", "nan", "e5"])
        expect([ch + rest, typeof parse(`k: ${ch}${rest}`, { version: "1.2" }).k]).toEqual([ch + rest, "string"]);
    }
  });

  it("handles the shapes of Lattice YAML: nesting, indentless and compact lists, flow, quotes, comments", () => {
    for (const text of [
      "a:\n- 1\n- 2\nb: 3\n",
      "a:\n  - x: 1\n    y: [1, 2]\n  - z\n",
      "- a: 1\n  b:\n  - c\n- d\n",
      "a:\n  b: 1\n# comment\n  c: 2\n",
      "a: b # c\nd: 'e''f' # g\nh: \"i\\\"j\\u00e9\" \n",
      'a: {b: "x, y", c: [1, {d: e}], "f": g}\n',
      "a: {b: https://x.example.com:443/p}\nc: [a:b, c]\n",
      "  a: 1\n  b: 2\n",
      "a: 1\n b: 2\n",
      "a: b\n  c\n",
      "a: b: c\n",
      "a:\n  - b\n - c\n",
      "a: [1, 2,]\n",
      "a: {b}\n",
      "a: {b: }\n",
      "a: [1,\n  2]\n",
      "a: |\n  x\n",
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "<<: {a: 1}\n",
      "a: 1\na: 2\n",
      "'a': 1\na: 2\n",
      "? a\n: 1\n",
      "a:\tb\n",
      "__proto__: {x: 1}\n",
      "a: 'x\n",
      'a: "x\\\n  y"\n',
      "- - a\n",
      "a:\n  b\n",
      "a: 'x'y\n",
      "a: {b: 1} c\n",
      "a: {b: 1}#c\n",
      "a: x #\n",
      "a: [b]: c\n",
      "a : 1\n",
      '"a":1\n',
    ])
      expectSame(text);
  });

  // Streams of documents built from example values, written in many styles, often damaged.
  const exampleValues = yamlFilesUnder("examples").flatMap((f) => {
    const out: unknown[] = [];
    parseWithLibrary(readFileSync(join(REPO_ROOT, f), "utf8"), f, (d) => out.push(d.value));
    return out;
  });
  const style = fc.record({
    indent: fc.integer({ min: 1, max: 4 }),
    indentSeq: fc.boolean(),
    collectionStyle: fc.constantFrom("any", "block", "flow"),
    defaultStringType: fc.constantFrom("PLAIN", "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE"),
    defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_DOUBLE"),
    lineWidth: fc.constantFrom(0, 0, 40, 80),
  });
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...exampleValues) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: false }) },
  );
  const damage = fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    fc.record({
      at: fc.nat(),
      s: fc.constantFrom(
        ":",
        "- ",
        "{",
        "]",
        "#",
        " #x",
        "'",
        '"',
        "&a ",
        "*a",
        "\t",
        "  ",
        "\n",
        "\n  ",
        "---\n",
        ",",
        "? ",
        "!x ",
        "|\n",
        "\\",
      ),
    }),
    fc.record({ at: fc.nat(), cut: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ line: fc.nat(), dup: fc.constant(true) }),
  );
  const stream = fc.array(
    fc.record({
      value,
      style,
      damage,
      separator: fc.constantFrom("---\n", "---\n", "--- # next\n", "\n---\n", "---\n# c\n"),
    }),
    {
      minLength: 1,
      maxLength: 4,
    },
  );

  it("reads damaged multi-document streams exactly as the library does", () => {
    fc.assert(
      fc.property(stream, (docs) => {
        const text = docs
          .map(({ value: v, style: st, damage: d }, i) => {
            let t = stringify(v, { ...st, aliasDuplicateObjects: false } as never) ?? "";
            if (d && "s" in d) {
              const at = d.at % (t.length + 1);
              t = t.slice(0, at) + d.s + t.slice(at);
            } else if (d && "cut" in d) {
              const at = d.at % (t.length + 1);
              t = t.slice(0, at) + t.slice(at + d.cut);
            } else if (d && "dup" in d) {
              const lines = t.split("\n");
              const i2 = d.line % lines.length;
              t = [...lines.slice(0, i2 + 1), lines[i2], ...lines.slice(i2 + 1)].join("\n");
            }
            return (i ? docs[i]!.separator : "") + t;
          })
          .join("");
        expectSame(text);
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });
});
