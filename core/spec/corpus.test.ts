// The malformed-document corpus: every file under __corpus__/documents (and every set under
// __corpus__/sets, compiled together) is rejected with exactly the errors in its .errors file.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { compileAll } from "../compile";
import { expectGolden, readYaml, REPO_ROOT, TEST_OPTIONS } from "../testing/fixtures";
import { formatSpecError, loadDocuments, type SpecError } from ".";

const CORPUS = "core/spec/__corpus__";
const ERROR_LINE = /^[^#\n]+#[0-9]+: .+$/;

function check(errors: readonly SpecError[], expectedFile: string): void {
  const text = errors.map((e) => formatSpecError(e) + "\n").join("");
  expect(errors.length).toBeGreaterThan(0);
  for (const line of text.trimEnd().split("\n")) expect(line).toMatch(ERROR_LINE);
  expectGolden(expectedFile, text);
}

function yamlFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(REPO_ROOT, dir)).sort()) {
    if (statSync(join(REPO_ROOT, dir, e)).isDirectory()) out.push(...yamlFiles(join(dir, e), `${prefix}${e}/`));
    else if (e.endsWith(".yaml")) out.push(`${prefix}${e}`);
  }
  return out;
}

describe("malformed documents", () => {
  const base = `${CORPUS}/documents`;
  const cases = yamlFiles(base);
  it("has a corpus", () => expect(cases.length).toBeGreaterThanOrEqual(50));
  it.each(cases)("%s", (name) => {
    const sources = readYaml(`${base}/${name}`, join(REPO_ROOT, base));
    const loaded = loadDocuments(sources);
    check(loaded.errors, `${base}/${name.replace(/\.yaml$/, ".errors")}`);
  });
});

describe("sets that disagree", () => {
  const base = `${CORPUS}/sets`;
  const cases = readdirSync(join(REPO_ROOT, base))
    .filter((e) => statSync(join(REPO_ROOT, base, e)).isDirectory())
    .sort();
  it.each(cases)("%s", (name) => {
    const loaded = loadDocuments(readYaml(`${base}/${name}`, join(REPO_ROOT, base)));
    expect(loaded.errors).toEqual([]);
    const r = compileAll(loaded.docs, TEST_OPTIONS);
    expect(r.ok).toBe(false);
    check(r.ok ? [] : r.errors, `${base}/${name}.errors`);
  });
});
