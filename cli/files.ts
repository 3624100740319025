// Reading the YAML a command is pointed at: files as given, directories recursively (*.yaml, *.yml),
// in sorted order so output never depends on the file system's listing order.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { YamlSource } from "../core/spec";
import { CliError } from "./args";

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
  }
}

/** The YAML files named by `paths` (files, or directories searched recursively). */
export function collectYamlFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`${p}: no such file or directory`, 1);
    }
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return [...new Set(out)];
}

/** Read every file; names in messages are relative to the working directory when inside it. */
export function readYamlSources(paths: readonly string[], cwd = process.cwd()): YamlSource[] {
  return collectYamlFiles(paths).map((file) => {
    const rel = relative(cwd, file);
    const name = rel && !rel.startsWith("..") ? rel : file;
    try {
      return { file: name, text: readFileSync(file, "utf8") };
    } catch (e) {
      throw new CliError(`${name}: ${(e as Error).message}`, 1);
    }
  });
}
