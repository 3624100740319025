// The YAML layer: multi-document streams, duplicate keys with their path, aliases allowed but
// bounded, nesting bounded, nothing thrown.
import { parseYamlDocuments, DEFAULT_YAML_LIMITS } from ".";

const parse = (text: string) => parseYamlDocuments(text, "f.yaml");
const messages = (text: string) => parse(text).errors.map((e) => `#${e.doc} ${e.path}: ${e.message}`);

describe("parseYamlDocuments", () => {
  it("numbers documents from 1 and skips empty ones without renumbering", () => {
    const r = parse("---\n# nothing\n---\na: 1\n---\n---\nb: 2\n");
    expect(r.errors).toEqual([]);
    expect(r.docs.map((d) => [d.doc, d.value])).toEqual([
      [2, { a: 1 }],
      [4, { b: 2 }],
    ]);
  });

  it("reports a duplicate key with its field path and both lines", () => {
    expect(messages("a:\n  b: 1\n  c: 2\n  b: 3\n")).toEqual([
      "#1 a.b: duplicate key (line 4, column 3; first at line 2, column 3)",
    ]);
  });

  it("allows anchors, aliases and merge keys within bounds", () => {
    const r = parse("base: &base {image: x, replicas: 2}\nsvc:\n  <<: *base\n  replicas: 3\nagain: *base\n");
    expect(r.errors).toEqual([]);
    expect(r.docs[0]?.value).toEqual({
      base: { image: "x", replicas: 2 },
      svc: { image: "x", replicas: 3 },
      again: { image: "x", replicas: 2 },
    });
  });

  it("rejects an alias bomb", () => {
    let text = "l0: &l0 [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      text += `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(", ")}]\n`;
    expect(messages(text)).toEqual([
      `#1 : aliases expand to more than ${DEFAULT_YAML_LIMITS.maxAliasCount} nodes (an alias bomb?); write the values out or use fewer aliases`,
    ]);
  });

  it("rejects deep nesting, in block and flow style, without crashing", () => {
    let block = "a:\n";
    for (let i = 1; i <= 80; i++) block += `${"  ".repeat(i)}b:\n`;
    expect(messages(block)[0]).toMatch(/nested deeper than 64 levels$/);
    expect(messages(`a: ${"[".repeat(5000)}${"]".repeat(5000)}\n`)[0]).toMatch(/nested deeper than 64 levels$/);
  });

  it("rejects keys that are maps or lists", () => {
    expect(messages("? [a, b]\n: 1\n")).toEqual([
      "#1 : a map key must be a plain value, not a map, a list or an alias",
    ]);
    expect(messages("k: &k [a]\nm:\n  *k : 1\n")).toEqual([
      "#1 m: a map key must be a plain value, not a map, a list or an alias",
    ]);
  });

  it("bounds the file size and the number of documents", () => {
    const limits = { ...DEFAULT_YAML_LIMITS, maxFileBytes: 10, maxDocuments: 2 };
    expect(parseYamlDocuments("a: 12345678901", "f.yaml", limits).errors[0]?.message).toBe(
      "file is larger than 10 bytes",
    );
    expect(
      parseYamlDocuments("a\n---\nb\n---\nc\n", "f.yaml", { ...limits, maxFileBytes: 100 }).errors[0]?.message,
    ).toBe("more than 2 documents in one file");
  });

  it("keeps __proto__ an ordinary key", () => {
    const r = parse("__proto__: {polluted: true}\n");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(r.docs[0]?.value as object)).toEqual(["__proto__"]);
  });

  it("reports syntax errors with their position", () => {
    expect(messages("a: [1, 2\nb: 3\n")[0]).toMatch(/^#1 : line \d+, column \d+: /);
  });
});
