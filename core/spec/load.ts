// YAML sources → validated documents: what `lattice render/graph/explain` and tests use. The caller
// reads the files (core does no I/O) and passes their text.
import { sortSpecErrors, type SpecError } from "./errors";
import { validateParsedDocument, type SourcedDocument } from "./validate";
import { DEFAULT_YAML_LIMITS, forEachYamlDocument, type YamlLimits } from "./yaml";

/** One YAML source: a name for messages (usually the path) and its text. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
}

/** The result of loading: all documents that validated and every error found (sorted). */
export interface Loaded {
  readonly docs: SourcedDocument[];
  readonly errors: SpecError[];
}

/** Parse and validate every document of every source. Never throws on bad input. */
export function loadDocuments(sources: readonly YamlSource[], limits: YamlLimits = DEFAULT_YAML_LIMITS): Loaded {
  const docs: SourcedDocument[] = [];
  const errors: SpecError[] = [];
  for (const src of sources) {
    // Validate each document as it is parsed. The fast paths hand out compact data: the YAML fast
    // path's values come from JSON.parse (V8's compact layout for JSON objects, shared short
    // strings), and the validator keeps them as they are when they are already what zod would build
    // (it copies only to put keys in schema order). Everything downstream reads these objects many
    // times: on bench:compile the graph, compile and serialization ran about a third faster on such
    // objects than on ones built property by property among a parser's garbage.
    const parseErrors = forEachYamlDocument(
      src.text,
      src.file,
      (raw) => {
        const where = { file: raw.file, doc: raw.doc };
        const v = validateParsedDocument(raw.value, where);
        if (v.ok) docs.push({ source: where, doc: v.value });
        else errors.push(...v.errors);
      },
      limits,
      { raw: true },
    );
    errors.push(...parseErrors);
  }
  return { docs, errors: sortSpecErrors(errors) };
}
