// The SDKs and the plugins must match: package.json pins @pulumi/pulumi and @pulumi/kubernetes
// exactly, and tools/build builds the CLI and the kubernetes provider at those same versions.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./tools";

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const build = readFileSync(path.join(ROOT, "tools", "build"), "utf8");
const pin = (name: string) => build.match(new RegExp(`^${name}=(\\S+)$`, "m"))?.[1];

test("@pulumi/pulumi is pinned exactly and equals the CLI that tools/build builds", () => {
  expect(pkg.dependencies["@pulumi/pulumi"]).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pin("PULUMI_VERSION")).toBe(pkg.dependencies["@pulumi/pulumi"]);
});

test("@pulumi/kubernetes is pinned exactly and equals the provider plugin that tools/build builds", () => {
  expect(pkg.dependencies["@pulumi/kubernetes"]).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pin("PULUMI_K8S_VERSION")).toBe(pkg.dependencies["@pulumi/kubernetes"]);
});

test("the Pulumi CLI's go.mod requires the same version it is stamped with", () => {
  const gomod = readFileSync(path.join(ROOT, "tools", "go", "pulumi", "go.mod"), "utf8");
  expect(gomod).toContain(`github.com/pulumi/pulumi/pkg/v3 v${pin("PULUMI_VERSION")}`);
});
