// The adopt opt-in (metadata.annotations["lattice.dev/adopt"]): validated where every other field is.
import { adoptsExisting, ADOPT_ANNOTATION, loadDocuments } from ".";

const doc = (annotations: string) =>
  `apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata:\n  name: api\n  annotations: ${annotations}\n` +
  `spec:\n  containers: {main: {image: "ghcr.io/example/api:1.0.0"}}\n`;

test.each([
  ["true", true],
  ["false", false],
])('"%s" is accepted', (value, adopts) => {
  const loaded = loadDocuments([{ file: "a.yaml", text: doc(`{"${ADOPT_ANNOTATION}": "${value}"}`) }]);
  expect(loaded.errors).toEqual([]);
  expect(adoptsExisting(loaded.docs[0]!.doc)).toBe(adopts);
});

test("absent: nothing is adopted; other annotations mean nothing to Lattice", () => {
  const loaded = loadDocuments([{ file: "a.yaml", text: doc(`{team: payments}`) }]);
  expect(loaded.errors).toEqual([]);
  expect(adoptsExisting(loaded.docs[0]!.doc)).toBe(false);
});

test("any other value is an error naming the file, document and field", () => {
  const loaded = loadDocuments([{ file: "a.yaml", text: doc(`{"${ADOPT_ANNOTATION}": "yes"}`) }]);
  expect(loaded.errors).toEqual([
    expect.objectContaining({
      file: "a.yaml",
      doc: 1,
      path: 'metadata.annotations["lattice.dev/adopt"]',
      message: 'expected "true" or "false", got "yes"',
    }),
  ]);
});
