// YAML sources → validated documents: what `lattice render/graph/explain` and tests use. The caller
// reads the files (core does no I/O) and passes their text.
import { sortSpecErrors, type SpecError } from "./errors";
import { validateDocument, type SourcedDocument } from "./validate";
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
    // Validate each document as it is parsed: the raw value is garbage right after.
    const parseErrors = forEachYamlDocument(
      src.text,
      src.file,
      (raw) => {
        const where = { file: raw.file, doc: raw.doc };
        const v = validateDocument(raw.value, where);
        if (v.ok) docs.push({ source: where, doc: v.value });
        else errors.push(...v.errors);
      },
      limits,
    );
    errors.push(...parseErrors);
  }
  return { docs, errors: sortSpecErrors(errors) };
}
