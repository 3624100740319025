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

/**
 * A validated document re-made as compact plain data. What the validator returns is built property
 * by property, among the YAML parser's garbage; a copy through JSON.parse lays each document out
 * anew, in one piece, with V8's compact layout for JSON objects and shared short strings.
 * Everything downstream reads these objects many times: on bench:compile's 10,000 services the
 * graph, compile and serialization ran about a third faster on the copies, which cost about 0.3 s
 * of an 11 s parse. Lossless: validated documents hold only strings, finite numbers, booleans,
 * arrays and plain objects.
 */
function compact<T>(doc: T): T {
  return JSON.parse(JSON.stringify(doc)) as T;
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
        if (v.ok) docs.push({ source: where, doc: compact(v.value) });
        else errors.push(...v.errors);
      },
      limits,
    );
    errors.push(...parseErrors);
  }
  return { docs, errors: sortSpecErrors(errors) };
}
