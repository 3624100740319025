// JSON Schemas of the three kinds, for editors (yaml-language-server, IDEs). Generated from the same
// zod schemas the validator uses, so they cannot disagree; `npm run gen:schemas` writes them under
// schemas/ and a unit test fails when the committed files drift.
import { z } from "zod";
import { KIND_SCHEMAS, type LatticeKind } from "./validate";

const FILE_NAMES: { readonly [K in LatticeKind]: string } = {
  LatticeService: "lattice-service.schema.json",
  LatticeExternalService: "lattice-external-service.schema.json",
  LatticeCluster: "lattice-cluster.schema.json",
};

/** Every schema file: its name under schemas/ and its exact content (with a trailing newline). */
export function renderJsonSchemas(): Array<{ file: string; content: string }> {
  return (Object.keys(FILE_NAMES) as LatticeKind[]).map((kind) => {
    const schema = z.toJSONSchema(KIND_SCHEMAS[kind], { io: "input", target: "draft-2020-12" });
    const doc = {
      $schema: schema.$schema,
      $id: `https://lattice.dev/schemas/v1alpha1/${FILE_NAMES[kind]}`,
      title: kind,
      description: `A ${kind} document (apiVersion lattice.dev/v1alpha1). Cross-field rules (a mount names a volume, exactly one provider…) are checked by the lattice CLI, not by this schema.`,
      ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
    };
    return { file: FILE_NAMES[kind], content: JSON.stringify(doc, null, 2) + "\n" };
  });
}
