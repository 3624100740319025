// render, graph and explain, run in-process against the examples (exit codes, what goes to stdout
// and stderr), plus one run of the real bin/lattice.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../../core/testing/fixtures";
import { CliError } from "../args";
import { run as explain } from "./explain";
import { run as graph } from "./graph";
import { run as render } from "./render";

async function capture(
  cmd: (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>,
  argv: string[],
) {
  let out = "";
  let err = "";
  const code = await cmd(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const ex = (p: string) => join(REPO_ROOT, "examples", p);

function badDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lattice-cli-"));
  writeFileSync(
    join(dir, "api.yaml"),
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: api}\nspec:\n" +
      "  containers: {main: {image: x}}\n  resources:\n    auth-service: {type: service, direction: in}\n",
  );
  writeFileSync(
    join(dir, "web.yaml"),
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: Web}\nspec: {containers: {}}\n",
  );
  return dir;
}

describe("lattice render", () => {
  it("prints every object as YAML documents", async () => {
    const r = await capture(render, ["-f", ex("webapp"), "-f", ex("clusters"), "--trust-domain", "prod.example.com"]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS() as { kind: string });
    expect(docs.filter((d) => d.kind === "Deployment").length).toBe(5);
    expect(r.out).toContain("prod.example.com/ns/webapp/sa/frontend");
  });

  it("bad input: every error on stderr, nothing on stdout, exit 1", async () => {
    const dir = badDir();
    const r = await capture(render, ["-f", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toContain(
      `${join(dir, "api.yaml")}#1: spec.resources.auth-service.direction: expected "inbound" | "outbound", got "in"`,
    );
    expect(lines.filter((l) => l.includes("web.yaml#1")).length).toBe(2);
  });

  it("a set that disagrees is bad input too", async () => {
    const r = await capture(render, ["-f", join(REPO_ROOT, "core/spec/__corpus__/sets/volume-two-owners")]);
    expect([r.code, r.out]).toEqual([1, ""]);
    expect(r.err).toContain("is already owned by media/jellyfin");
  });

  it("validates the rollout deadline: a positive number of seconds, at most a day", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lattice-cli-"));
    const doc = (timeout: string) =>
      "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: api}\n" +
      `spec:\n  containers: {main: {image: x}}\n  rollout: {timeoutSeconds: ${timeout}}\n`;
    writeFileSync(join(dir, "ok.yaml"), doc("300"));
    expect((await capture(render, ["-f", join(dir, "ok.yaml")])).code).toBe(0);
    for (const [bad, message] of [
      ["0", "spec.rollout.timeoutSeconds: "],
      ["86401", "spec.rollout.timeoutSeconds: "],
      ['"5m"', "spec.rollout.timeoutSeconds: expected an integer"],
    ]) {
      writeFileSync(join(dir, "bad.yaml"), doc(bad!));
      const r = await capture(render, ["-f", join(dir, "bad.yaml")]);
      expect([bad, r.code, r.err]).toEqual([bad, 1, expect.stringContaining(message!)]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("usage errors", async () => {
    await expect(capture(render, [])).rejects.toThrow(CliError);
    await expect(capture(render, ["-f", "/nonexistent/path"])).rejects.toThrow(/no such file/);
    await expect(capture(render, ["-f", ex("webapp"), "--trust-domain", "Bad Domain"])).rejects.toThrow(/trustDomain/);
  });
});

describe("lattice graph", () => {
  it.each(["mermaid", "dot", "json"])("--format %s", async (format) => {
    const r = await capture(graph, ["-f", join(REPO_ROOT, "core/compile/__fixtures__/one-sided"), "--format", format]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(format === "json" ? '"missing-inbound"' : "missing inbound");
  });
  it("works on sets that would not compile", async () => {
    const r = await capture(graph, [
      "-f",
      join(REPO_ROOT, "core/spec/__corpus__/sets/volume-without-owner"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).volumes[0].problem).toBe("no owner");
  });
  it("rejects an unknown format", async () => {
    await expect(capture(graph, ["-f", ex("webapp"), "--format", "png"])).rejects.toThrow(/--format/);
  });
});

describe("lattice explain", () => {
  it("exit 0 when allowed, 3 when denied, 1 for an unknown service", async () => {
    expect((await capture(explain, ["-f", ex("webapp"), "frontend", "api"])).code).toBe(0);
    const denied = await capture(explain, ["-f", ex("webapp"), "webapp/api", "webapp/frontend"]);
    expect(denied.code).toBe(3);
    expect(denied.out).toMatch(/^DENIED: webapp\/api → webapp\/frontend/);
    const unknown = await capture(explain, ["-f", ex("webapp"), "api", "nope"]);
    expect([unknown.code, unknown.err]).toEqual([1, "explain: unknown service nope\n"]);
  });
  it("needs FROM and TO", async () => {
    await expect(capture(explain, ["-f", ex("webapp"), "api"])).rejects.toThrow(/expected FROM and TO/);
  });
});

describe("bin/lattice", () => {
  it("renders the examples, and fails cleanly on bad input", () => {
    const bin = join(REPO_ROOT, "bin/lattice");
    const out = execFileSync(bin, ["render", "-f", "examples/webapp"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(out.startsWith("---\napiVersion: v1\nkind: Namespace\n")).toBe(true);
    const bad = spawnSync(bin, ["render", "-f", badDir()], { cwd: REPO_ROOT, encoding: "utf8" });
    expect([bad.status, bad.stdout]).toEqual([1, ""]);
    expect(bad.stderr).toContain('direction: expected "inbound" | "outbound", got "in"');
  }, 30_000);
});
