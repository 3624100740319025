// `npm run gen:capa-iam`: write core/cluster/prerequisites/capa-iam-v2.13.0.json from CAPA's own
// golden CloudFormation template, read from the Go module cache (the module zip is fetched from the
// Go module proxy once, as the CRD sets of the test bed are). Only the data is written; see
// core/cluster/prerequisites/capa-iam.ts for the shape and why.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CAPA_IAM_SOURCE, fromCloudFormation } from "../core/cluster/prerequisites/capa-iam";
import { moduleDir } from "../test/harness/crds";

/** The fixture's module, version and path, from CAPA_IAM_SOURCE. */
export function capaFixturePath(): string {
  const [id, file] = CAPA_IAM_SOURCE.split(" ") as [string, string];
  const [module, version] = id.split("@") as [string, string];
  return path.join(moduleDir(module, version), file);
}

/** The JSON text the checked-in file must have. */
export function renderCapaIam(): string {
  const template: unknown = parse(readFileSync(capaFixturePath(), "utf8"));
  return JSON.stringify(fromCloudFormation(template, CAPA_IAM_SOURCE), null, 2) + "\n";
}

export const CAPA_IAM_FILE = path.resolve(__dirname, "..", "core", "cluster", "prerequisites", "capa-iam-v2.13.0.json");

if (require.main === module) {
  writeFileSync(CAPA_IAM_FILE, renderCapaIam());
  process.stdout.write(`wrote ${path.relative(process.cwd(), CAPA_IAM_FILE)}\n`);
}
