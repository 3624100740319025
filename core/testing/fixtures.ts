// Test support (never imported by non-test code; core/purity.test.ts checks both): reading example
// and fixture YAML from disk, and golden files that UPDATE_GOLDEN=1 rewrites.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { formatSpecError, loadDocuments, type SourcedDocument, type YamlSource } from "../spec";
import type { CompileOptions } from "../compile";

export const REPO_ROOT = resolve(__dirname, "../..");

/** Options every golden test compiles with. The trust domain is deliberately not Istio's default. */
export const TEST_OPTIONS: CompileOptions = { trustDomain: "mesh.example.com", defaultNamespace: "default" };

/** Every *.yaml under `dir` (or the file itself), named relative to `base`, in sorted order. */
export function readYaml(path: string, base = REPO_ROOT): YamlSource[] {
  const abs = resolve(REPO_ROOT, path);
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.ya?ml$/.test(p)) files.push(p);
  };
  walk(abs);
  return files.map((f) => ({ file: relative(base, f), text: readFileSync(f, "utf8") }));
}

/** Load documents that must be valid; throws with every error otherwise. */
export function loadValid(...paths: string[]): SourcedDocument[] {
  const r = loadDocuments(paths.flatMap((p) => readYaml(p)));
  if (r.errors.length > 0) throw new Error(r.errors.map(formatSpecError).join("\n"));
  return r.docs;
}

/** Compare `actual` with the golden file (repo-relative path); UPDATE_GOLDEN=1 writes it instead. */
export function expectGolden(path: string, actual: string): void {
  const abs = resolve(REPO_ROOT, path);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, actual);
    return;
  }
  if (!existsSync(abs))
    throw new Error(`golden file ${path} is missing: run the test with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(abs, "utf8"));
}
