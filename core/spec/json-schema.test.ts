// The published JSON Schemas (schemas/*.schema.json) are exactly what the zod schemas generate:
// this fails when they drift; `npm run gen:schemas` rewrites them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../testing/fixtures";
import { renderJsonSchemas } from ".";

const DIR = join(REPO_ROOT, "schemas");

describe("published JSON Schemas", () => {
  const rendered = renderJsonSchemas();
  it("one per kind, and no stale files", () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith(".schema.json"))
        .sort(),
    ).toEqual(rendered.map((r) => r.file).sort());
  });
  it.each(rendered.map((r) => [r.file, r.content]))("%s has not drifted (run npm run gen:schemas)", (file, content) => {
    expect(readFileSync(join(DIR, file), "utf8")).toBe(content);
  });
  it("describe the documented fields", () => {
    const byFile = Object.fromEntries(rendered.map((r) => [r.file, r.content]));
    expect(byFile["lattice-cluster.schema.json"]).toContain('"cp_memory_mib"');
    expect(byFile["lattice-service.schema.json"]).toContain('"external-service"');
    expect(byFile["lattice-external-service.schema.json"]).toContain('"allowed_requesters"');
  });
});
