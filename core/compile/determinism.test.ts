// Same input, byte-identical output; and the output does not depend on the order of documents, of
// spec.resources entries or of allowed requesters (fast-check permutes all three).
import fc from "fast-check";
import { toYamlStream } from "../k8s/serialize";
import { loadValid, TEST_OPTIONS } from "../testing/fixtures";
import type { LatticeDocument, SourcedDocument } from "../spec";
import { compileAll } from ".";

const ALL = loadValid("examples", "core/compile/__fixtures__/one-sided");

function compiled(docs: readonly SourcedDocument[]) {
  const r = compileAll(docs, TEST_OPTIONS);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.objects;
}
const render = (docs: readonly SourcedDocument[]) => toYamlStream(compiled(docs));
// The YAML is a pure function of the objects; comparing their JSON is the same test, faster.
const json = (docs: readonly SourcedDocument[]) =>
  compiled(docs)
    .map((o) => JSON.stringify(o))
    .join("\n");

function permuteKeys<T extends object>(o: T, order: readonly number[]): T {
  const entries = Object.entries(o);
  const out: Record<string, unknown> = {};
  entries.forEach((_, i) => {
    const [k, v] = entries[(order[i] ?? i) % entries.length] as [string, unknown];
    if (!(k in out)) out[k] = v;
  });
  for (const [k, v] of entries) if (!(k in out)) out[k] = v;
  return out as T;
}

function reorder(d: LatticeDocument, order: readonly number[]): LatticeDocument {
  if (d.kind === "LatticeService" && d.spec.resources)
    return { ...d, spec: { ...d.spec, resources: permuteKeys(d.spec.resources, order) } };
  if (d.kind === "LatticeExternalService" && d.spec.allowed_requesters)
    return { ...d, spec: { ...d.spec, allowed_requesters: [...d.spec.allowed_requesters].reverse() } };
  return d;
}

describe("determinism", () => {
  it("compiling twice gives byte-identical output", () => {
    expect(render(ALL)).toBe(render(ALL));
    expect(render(ALL).length).toBeGreaterThan(10_000);
  });

  it("output is independent of document, resource and requester order", () => {
    const expected = json(ALL);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(ALL, { minLength: ALL.length, maxLength: ALL.length }),
        fc.array(fc.nat(20), { minLength: 10, maxLength: 10 }),
        (docs, order) => {
          const shuffled = docs.map((d) => ({ source: d.source, doc: reorder(d.doc, order) }));
          expect(json(shuffled)).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
