// Objects → text. YAML for people (`lattice render`), JSON for machines and the benchmark. Key order
// is the builders' order, so the same objects always serialize to the same bytes.
import { stringify } from "yaml";
import type { KubeObject } from "./object";

/** A multi-document YAML stream ("---" before each document). */
export function toYamlStream(objects: readonly KubeObject[]): string {
  let out = "";
  for (const o of objects) {
    // Builders share immutable sub-objects between objects; never turn that into anchors/aliases.
    out += "---\n" + stringify(o, { aliasDuplicateObjects: false, lineWidth: 0, version: "1.2" });
  }
  return out;
}

/** One compact JSON object per line. */
export function toJsonLines(objects: readonly KubeObject[]): string {
  let out = "";
  for (const o of objects) out += JSON.stringify(o) + "\n";
  return out;
}
