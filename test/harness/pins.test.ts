// The SDKs and the plugins must match: package.json pins @pulumi/pulumi and @pulumi/kubernetes
// exactly (devDependencies: the repository's own copies; the package names them as peer
// dependencies, with ranges that must admit the pins), and tools/build builds the CLI and the
// kubernetes provider at those same versions.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./tools";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const build = readFileSync(path.join(ROOT, "tools", "build"), "utf8");
const pin = (name: string) => build.match(new RegExp(`^${name}=(\\S+)$`, "m"))?.[1];

/** Whether `version` satisfies a caret range `^M.m.p` (the form the peer ranges use). */
function inCaretRange(version: string, range: string): boolean {
  const [v, r] = [version, range.replace(/^\^/, "")].map((s) => s.split(".").map(Number));
  if (!range.startsWith("^") || v!.length !== 3 || r!.length !== 3) return false;
  return v![0] === r![0] && (v![1]! > r![1]! || (v![1] === r![1] && v![2]! >= r![2]!));
}

test("@pulumi/pulumi is pinned exactly, equals the CLI that tools/build builds, and is in the peer range", () => {
  const pinned = pkg.devDependencies["@pulumi/pulumi"]!;
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pin("PULUMI_VERSION")).toBe(pinned);
  expect(inCaretRange(pinned, pkg.peerDependencies["@pulumi/pulumi"]!)).toBe(true);
});

test("@pulumi/kubernetes is pinned exactly, equals the provider plugin tools/build builds, and is in the peer range", () => {
  const pinned = pkg.devDependencies["@pulumi/kubernetes"]!;
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pin("PULUMI_K8S_VERSION")).toBe(pinned);
  expect(inCaretRange(pinned, pkg.peerDependencies["@pulumi/kubernetes"]!)).toBe(true);
});

test("caret ranges as the pins test reads them", () => {
  expect(inCaretRange("3.259.0", "^3.139.0")).toBe(true);
  expect(inCaretRange("3.139.0", "^3.139.0")).toBe(true);
  expect(inCaretRange("3.138.9", "^3.139.0")).toBe(false);
  expect(inCaretRange("4.0.0", "^3.139.0")).toBe(false);
  expect(inCaretRange("3.259.0", ">=3")).toBe(false);
});

test("the Pulumi CLI's go.mod requires the same version it is stamped with", () => {
  const gomod = readFileSync(path.join(ROOT, "tools", "go", "pulumi", "go.mod"), "utf8");
  expect(gomod).toContain(`github.com/pulumi/pulumi/pkg/v3 v${pin("PULUMI_VERSION")}`);
});
