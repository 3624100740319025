// The pure part of a service set: members compile to exactly what the compiler emits, digests name
// objects stably, and every kind a set applies can be addressed from its key alone.
import { compileAll, compileCatalog } from "../../core/compile";
import { compileDeclarationRecord } from "../../core/agreements";
import { keyOf, refOf } from "../../core/k8s/object";
import { loadValid } from "../../core/testing/fixtures";
import type { LatticeExternalService, LatticeService } from "../../core/spec";
import { compileMember, digestOf, memberInputs, objectsOfMember, refOfKey, refOfDocument, withNamespace } from "./plan";

const settings = { trustDomain: "plan.test" };
const docs = loadValid("examples").filter((d) => d.doc.kind !== "LatticeCluster");

describe("service set plan", () => {
  it("a member compiles to its record plus what compileAll emits for it", () => {
    const all = compileAll(docs, { trustDomain: settings.trustDomain, defaultNamespace: "default" });
    if (!all.ok) throw new Error("examples do not compile");
    const fromMembers = docs.flatMap(({ doc }) =>
      objectsOfMember(
        compileMember(withNamespace(doc as LatticeService | LatticeExternalService, "default"), settings),
      ),
    );
    const records = docs.map(({ doc }) =>
      keyOf(compileDeclarationRecord(doc as LatticeService, doc.metadata.namespace ?? "default")),
    );
    const baselines = all.objects.filter((o) => o.metadata.labels?.["lattice.dev/baseline"] === "true").map(keyOf);
    expect(fromMembers.map(keyOf).sort()).toEqual(
      [...all.objects.map(keyOf).filter((k) => !baselines.includes(k)), ...records].sort(),
    );
  });

  it("digests are stable, short, and change with any field", () => {
    const [first] = objectsOfMember(compileMember(docs[0]!.doc as LatticeService, settings));
    const d = digestOf(first!);
    expect(d).toMatch(/^[A-Za-z0-9_-]{10}$/);
    expect(digestOf(JSON.parse(JSON.stringify(first)))).toBe(d);
    expect(digestOf({ ...first!, metadata: { ...first!.metadata, name: "other" } })).not.toBe(d);
  });

  it("member inputs hold the document with its namespace and one digest per object", () => {
    const doc = docs.find((d) => d.doc.kind === "LatticeService")!.doc as LatticeService;
    const bare = { ...doc, metadata: { name: doc.metadata.name } };
    const inputs = memberInputs(bare, settings, "shop");
    expect(inputs.doc.metadata.namespace).toBe("shop");
    expect(refOfDocument(inputs.doc)).toBe(`shop/${doc.metadata.name}`);
    const objects = objectsOfMember(compileMember(inputs.doc, settings));
    expect(Object.keys(inputs.objects).sort()).toEqual(objects.map(keyOf).sort());
  });

  it("every kind a set applies is addressable from its key", () => {
    const objects = [
      ...compileCatalog(),
      ...docs.map(({ doc }) => compileDeclarationRecord(doc as LatticeService, "default")),
    ];
    for (const o of objects) expect(refOfKey(keyOf(o))).toEqual(refOf(o));
  });
});
