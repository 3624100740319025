// proto/gen must be exactly what the generator makes from proto/agent.proto today.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateProtoTypes, listFiles } from "../../proto/generate";

describe("generated protocol types", () => {
  it("match proto/agent.proto (run `npm run gen:proto` after changing it)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-proto-gen-"));
    try {
      generateProtoTypes(dir);
      const checkedIn = path.join(__dirname, "..", "..", "proto", "gen");
      expect(listFiles(checkedIn)).toEqual(listFiles(dir));
      for (const f of listFiles(dir)) {
        expect({ file: f, text: readFileSync(path.join(checkedIn, f), "utf8") }).toEqual({
          file: f,
          text: readFileSync(path.join(dir, f), "utf8"),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
