// `bin/lattice doctor` against real clusters: a healthy one (the Cilium, Istio and Cluster API CRDs
// the stack's documents render for, and a real cell for its declared cluster), the same with one
// CRD removed, and an address where no API server listens. The healthy run is bin/lattice as a
// process; the others run the same command line in-process (cli/main.ts's runCli).
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installLinkCrds } from "../../../agent/deploy/crds";
import { renderKubeconfig } from "../../../kube/kubeconfig";
import { installCrds, startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { loadCrds } from "../../harness/crds";
import { freePorts, removeDir, startProcess, tail, type Proc } from "../../harness/processes";
import { ROOT, toolPath } from "../../harness/tools";
import { LATTICE, makeProject, STACK_LINE, type Project } from "./support";

jest.setTimeout(180_000);

let cp: ControlPlane;
let project: Project;
let cell: Proc | undefined;
const logs = mkdtempSync(path.join(os.tmpdir(), "lattice-doctor-"));
const SERVICES = ["examples/webapp", "examples/clusters/docker.yaml"].map((p) => path.join(ROOT, p)).join(",");
/** What examples/clusters/docker.yaml renders. */
const CAPI_KINDS = [
  "Cluster",
  "MachineDeployment",
  "KubeadmControlPlane",
  "KubeadmConfigTemplate",
  "DockerCluster",
  "DockerMachineTemplate",
];

beforeAll(async () => {
  project = makeProject();
  cp = await startControlPlane({ name: "doctor", crds: ["cilium", "istio"], controllerManager: false });
  // Of Cluster API's CRDs, those the declared cluster renders (the whole sets take long to install).
  const capi = loadCrds(["capi-core", "capi-kubeadm", "capd"]).filter((c) =>
    CAPI_KINDS.includes((c.spec as { names: { kind: string } }).names.kind),
  );
  expect(capi).toHaveLength(CAPI_KINDS.length);
  await installCrds(cp.client, capi);
  await installLinkCrds(cp.client);
  project.settings("dev", { kubeconfig: cp.kubeconfigPath, services: SERVICES });
  const { execFile } = await import("node:child_process");
  await new Promise<void>((resolve, reject) =>
    execFile(
      toolPath("pulumi"),
      ["stack", "init", "dev", "--non-interactive"],
      { cwd: project.dir, env: { ...process.env, ...project.env } },
      (e) => (e ? reject(e) : resolve()),
    ),
  );
});

afterAll(async () => {
  await cell?.stop();
  await cp?.stop();
  removeDir(project.dir);
  rmSync(logs, { recursive: true, force: true });
});

/** doctor's lines as [status, check] pairs, and the whole output; `process` runs bin/lattice itself. */
async function doctor(args: string[], how: "process" | "in-process" = "in-process") {
  const r =
    how === "process" ? await project.lattice(["doctor", ...args]) : await project.inProcess(["doctor", ...args]);
  expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
  const checks = r.stdout
    .split("\n")
    .map((l) => l.match(/^(ok|FAIL|skip) +(\S+(?: server)?)/))
    .filter((m): m is RegExpMatchArray => !!m)
    .map((m) => [m[1], m[2]]);
  return { ...r, checks };
}

test("a stack with clusters declared and no cell running: everything ok but the cell", async () => {
  const r = await doctor(["--stack", "dev"]);
  expect(r.code).toBe(1);
  expect(r.checks).toEqual([
    ["ok", "node"],
    ["ok", "engine"],
    ["ok", "plugins"],
    ["ok", "stack"],
    ["ok", "kubeconfig"],
    ["ok", "api server"],
    ["ok", "documents"],
    ["ok", "crds"],
    ["FAIL", "cell"],
  ]);
  expect(r.stdout).toMatch(/^ok {4}api server {2}v1\.36\.3 at https:\/\/127\.0\.0\.1:\d+$/m);
  const crds = r.stdout.split("\n").find((l) => l.startsWith("ok    crds"));
  for (const gv of [
    "cilium.io/v2",
    "security.istio.io/v1",
    "cluster.x-k8s.io/v1beta2",
    "infrastructure.cluster.x-k8s.io/v1beta2",
  ])
    expect(crds).toContain(` ${gv}`);
  expect(r.stdout).toContain("no cell has published its endpoint (ConfigMap lattice-cell in lattice-system)");
  expect(r.stdout).toMatch(/^ +fix: run the cell in the parent: lattice cell --kubeconfig PARENT/m);
});

test("healthy: with the cell running, every check is ok and doctor exits 0", async () => {
  cell = startProcess(
    "cell",
    LATTICE,
    [
      "cell",
      "--kubeconfig",
      cp.kubeconfigPath,
      "--listen",
      "127.0.0.1:0",
      "--bootstrap-listen",
      "127.0.0.1:0",
      "--advertise",
      "127.0.0.1",
    ],
    path.join(logs, "cell.log"),
  );
  const deadline = Date.now() + 60_000;
  while (!/"cell ready"/.test(tail(path.join(logs, "cell.log"), 50))) {
    if (Date.now() > deadline || !cell.isRunning())
      throw new Error(`cell did not start:\n${tail(path.join(logs, "cell.log"))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const r = await doctor(["--stack", "dev"], "process");
  expect([r.code, r.checks.filter(([s]) => s !== "ok")]).toEqual([0, []]);
  expect(r.stdout).toMatch(/^ok {4}cell {8}bootstrap endpoint https:\/\/127\.0\.0\.1:\d+ answers/m);
  expect(r.stdout).toContain("all checks passed");
});

test("a missing CRD: FAIL names the kind and what to install", async () => {
  await cp.client.delete({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "ciliumnetworkpolicies.cilium.io",
  });
  for (let i = 0; i < 100 && (await served()); i++) await new Promise((r) => setTimeout(r, 100));
  const r = await doctor(["--stack", "dev"]);
  expect(r.code).toBe(1);
  expect(r.checks.filter(([s]) => s !== "ok")).toEqual([["FAIL", "crds"]]);
  expect(r.stdout).toContain(
    `FAIL  crds        the cluster at ${cp.server} does not serve cilium.io/v2/CiliumNetworkPolicy\n`,
  );
  expect(r.stdout).toMatch(/^ +fix: install Cilium ≥ 1\.20 \(its CRDs cilium\.io\/v2\) in the cluster/m);
});

async function served(): Promise<boolean> {
  const list = await cp.client.request<{ resources: { kind: string }[] }>("GET", "/apis/cilium.io/v2");
  return list.resources.some((r) => r.kind === "CiliumNetworkPolicy");
}

test("an unreachable API server: FAIL with the address and the reason; the cluster checks are skipped", async () => {
  const [port] = await freePorts(1);
  const kc = path.join(logs, "closed.kubeconfig");
  (await import("node:fs")).writeFileSync(
    kc,
    renderKubeconfig("closed", { server: `https://127.0.0.1:${port}`, ca: cp.ca.cert }),
  );
  const r = await doctor(["--kubeconfig", kc]);
  expect(r.code).toBe(1);
  expect(r.checks).toEqual([
    ["ok", "node"],
    ["ok", "engine"],
    ["ok", "plugins"],
    ["ok", "kubeconfig"],
    ["FAIL", "api server"],
    ["skip", "crds"],
    ["skip", "cell"],
  ]);
  expect(r.stdout).toContain(`the Kubernetes API server https://127.0.0.1:${port} is unreachable: connection refused`);
});

test("a stack asked for outside any project: FAIL names the directory and how to point at the project", async () => {
  const r = await doctor(["--stack", "dev", "--cwd", logs]);
  expect(r.code).toBe(1);
  expect(r.checks.slice(0, 4)).toEqual([
    ["ok", "node"],
    ["ok", "engine"],
    ["ok", "plugins"],
    ["FAIL", "stack"],
  ]);
  expect(r.stdout).toContain(`no Pulumi.yaml in ${logs} or above: stack dev belongs to a Lattice project`);
  expect(r.stdout).toContain("fix: run it in the project's directory, or pass --cwd DIR");
});
