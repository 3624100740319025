// Two teams, two stacks, one agreement: the "web" team's stack declares the call, the "api" team's
// stack declares the admission. Each stack is a program of the team's own that imports the BUILT
// npm package (dist/, JavaScript, no ts-node in the providers). Either team removing its half closes
// the path without the other stack running; the other stack's next run warns about its one-sided
// declaration.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import * as path from "node:path";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { liveVerdict } from "../../harness/live-policy";
import { openStack, type TestStack } from "../../harness/pulumi";
import { nodePath, ROOT } from "../../harness/tools";

jest.setTimeout(300_000);

const PROGRAM = path.join(ROOT, "test", "programs", "teams");
const LINK = path.join(PROGRAM, "node_modules", "@lattice", "lattice");
let cp: ControlPlane;
const stacks: Record<"web" | "api", TestStack> = {} as never;

beforeAll(async () => {
  // The package as published: compiled by the build script, linked as an installed dependency.
  execFileSync(nodePath(), [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  rmSync(LINK, { force: true, recursive: true });
  mkdirSync(path.dirname(LINK), { recursive: true });
  symlinkSync(ROOT, LINK, "dir");
  // The program resolves the package to the compiled entry point, not the TypeScript source.
  expect(require.resolve("@lattice/lattice", { paths: [PROGRAM] })).toBe(path.join(ROOT, "dist", "index.js"));
  cp = await startControlPlane({ name: "teams", crds: ["cilium", "istio"] });
  for (const team of ["web", "api"] as const) {
    stacks[team] = await openStack({
      workDir: PROGRAM,
      stackName: team,
      config: { kubeconfig: { value: cp.kubeconfig, secret: true }, team: { value: team }, declare: { value: "true" } },
    });
  }
});

afterAll(async () => {
  for (const s of Object.values(stacks)) {
    await s.destroy().catch(() => undefined);
    await s.dispose();
  }
  await cp?.stop();
  rmSync(path.join(PROGRAM, "node_modules"), { recursive: true, force: true });
});

const allowed = async () => (await liveVerdict(cp.client, "front/web", "back/api", 8080, "teams.test")).allowed;
const warnings = (events: { diagnosticEvent?: { severity: string; message: string } }[]) =>
  events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d?.severity === "warning")
    .map((d) => d!.message)
    .join("\n");

test("both halves declared in two stacks: traffic is allowed, nothing one-sided", async () => {
  await stacks.web.up();
  await stacks.api.up();
  expect(await allowed()).toBe(true);
  expect((await stacks.api.outputs()).oneSided).toEqual([]);
  const web = await stacks.web.up(); // the web stack sees the api team's record now
  expect(warnings(web.events)).not.toMatch(/one-sided/);
});

test("the api team removes its inbound declaration: the path closes without the web stack running", async () => {
  await stacks.api.setConfig({ declare: { value: "false" } });
  await stacks.api.up();
  expect(await allowed()).toBe(false);
});

test("the web team's next run warns that its outbound declaration is one-sided", async () => {
  const res = await stacks.web.up();
  expect(warnings(res.events)).toMatch(
    /one-sided agreement: front\/web → back\/api: front\/web declares spec\.resources\.api .* but back\/api does not declare front\/web inbound/,
  );
  expect((await stacks.web.outputs()).oneSided).toEqual([
    expect.objectContaining({ from: "front/web", to: "back/api", missing: "inbound" }),
  ]);
});

test("the api team declares again, then the web team removes its half: closed again, and the api stack warns", async () => {
  await stacks.api.setConfig({ declare: { value: "true" } });
  await stacks.api.up();
  await stacks.web.up();
  expect(await allowed()).toBe(true);
  await stacks.web.setConfig({ declare: { value: "false" } });
  await stacks.web.up();
  expect(await allowed()).toBe(false);
  const res = await stacks.api.up();
  expect(warnings(res.events)).toMatch(
    /one-sided agreement: front\/web → back\/api: back\/api declares spec\.resources\.web .* but front\/web does not declare it calls back\/api/,
  );
});
