// core/ is pure: no module outside tests imports Pulumi, gRPC, the Kubernetes client, node:fs,
// node:net (or other I/O modules), and none imports the test support in core/testing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const CORE = __dirname;
const FORBIDDEN =
  /^(@pulumi\/|@grpc\/|@kubernetes\/|(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process|worker_threads|cluster)$)/;

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== "testing" && !e.startsWith("__")) sources(p, out);
    } else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1] as string);
}

describe("core is pure", () => {
  const files = sources(CORE);
  it("finds the modules", () => expect(files.length).toBeGreaterThan(30));
  it.each(files.map((f) => [relative(CORE, f), f]))("%s", (_, file) => {
    for (const spec of imports(file)) {
      expect([spec, FORBIDDEN.test(spec)]).toEqual([spec, false]);
      expect([spec, /(^|\/)testing(\/|$)/.test(spec)]).toEqual([spec, false]);
    }
  });
});
