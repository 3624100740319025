// `npm run gen:schemas`: write schemas/*.schema.json from the zod schemas (core/spec/json-schema.ts).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderJsonSchemas } from "../core/spec";

const dir = resolve(__dirname, "..", "schemas");
mkdirSync(dir, { recursive: true });
const files = renderJsonSchemas();
for (const stale of readdirSync(dir).filter((f) => f.endsWith(".schema.json") && !files.some((x) => x.file === f)))
  rmSync(join(dir, stale));
for (const { file, content } of files) {
  writeFileSync(join(dir, file), content);
  process.stdout.write(`wrote schemas/${file}\n`);
}
