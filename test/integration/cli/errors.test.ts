// Every expected failure of `bin/lattice preview|up|destroy` is what failed and why, then the
// command that fixes it — two lines (one more per bad document), exit 1, no stack trace — and it is
// found before the engine runs anything. The engine and stack cases run bin/lattice as a process;
// the cluster and document cases run the same command line in-process (cli/main.ts's runCli: the
// same dispatch and printer, without a Node start-up each), against the real pulumi engine and a
// real kube-apiserver. (A rollout that never becomes ready: test/integration/services/rollout.test.ts.)
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderKubeconfig } from "../../../kube/kubeconfig";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { createCa } from "../../harness/pki";
import { freePorts, removeDir } from "../../harness/processes";
import { KUBERNETES_PLUGIN_VERSION, ROOT, toolPath } from "../../harness/tools";
import { makeProject, pathWithoutPulumi, STACK_LINE, type Project, type Run } from "./support";

jest.setTimeout(180_000);

let cp: ControlPlane;
let project: Project;
const scratch = mkdtempSync(path.join(os.tmpdir(), "lattice-cli-errors-"));
const file = (name: string, text: string) => {
  const p = path.join(scratch, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};

beforeAll(async () => {
  project = makeProject();
  // No CRDs: the cluster Lattice cannot deploy to. No controllers needed.
  cp = await startControlPlane({ name: "cli-errors", controllerManager: false });
});

afterAll(async () => {
  await cp?.stop();
  removeDir(project.dir);
  rmSync(scratch, { recursive: true, force: true });
});

/** The failure printed: exit 1, no stack trace, and stderr's lines from the first "lattice <op>:". */
function failure(r: Run, op: string): string[] {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringContaining(`lattice ${op}: `) });
  expect(r.stderr + r.stdout).not.toMatch(STACK_LINE);
  const lines = r.stderr.trimEnd().split("\n");
  return lines.slice(lines.findIndex((l) => l.startsWith(`lattice ${op}: `)));
}

test("engine missing: no pulumi on PATH and the project's engine not built", async () => {
  const r = await project.lattice(["preview", "--stack", "any"], {
    PATH: pathWithoutPulumi(),
    LATTICE_TOOLS_DIR: path.join(scratch, "no-tools"),
  });
  expect(failure(r, "preview")).toEqual([
    "lattice preview: no Pulumi engine: no 'pulumi' on PATH and the project's engine " +
      `(${scratch}/no-tools/bin/pulumi) is not built`,
    expect.stringMatching(/^ {2}fix: tools\/build \(builds the project's engine/),
  ]);
});

test("no pulumi on PATH: the project's engine; a missing stack created on preview; then: no kubeconfig", async () => {
  const r = await project.lattice(["preview", "--stack", "fresh"], {
    PATH: pathWithoutPulumi(),
    PULUMI_BACKEND_URL: undefined, // nothing configured: the project's local state
  });
  expect(r.stderr).toMatch(
    /^lattice: using the project's engine: pulumi v3\.259\.0 at .*\.tools\/bin\/pulumi \(no pulumi on PATH\)$/m,
  );
  expect(r.stderr).toContain(`lattice: stack fresh did not exist: created it in file://${project.dir}/.lattice/state`);
  expect(r.stderr).toContain(`the stack's state is in file://${project.dir}/.lattice/state`);
  expect(failure(r, "preview")).toEqual([
    "lattice preview: no kubeconfig: lattice:kubeconfig of stack fresh is not set",
    "  fix: pulumi config set lattice:kubeconfig PATH --stack fresh (or --secret with the kubeconfig's content)",
  ]);
});

test("plugin missing in your own pulumi's home; engine install-plugins installs it from the build", async () => {
  const bin = path.join(scratch, "user-bin");
  mkdirSync(bin);
  symlinkSync(toolPath("pulumi"), path.join(bin, "pulumi"));
  const home = path.join(scratch, "user-pulumi-home");
  const env = { PATH: `${bin}:${pathWithoutPulumi()}`, PULUMI_HOME: home };
  const V = KUBERNETES_PLUGIN_VERSION;
  const r = await project.lattice(["preview", "--stack", "any"], env);
  expect(failure(r, "preview")).toEqual([
    `lattice preview: the kubernetes plugin v${V} is not installed in ${home}/plugins ` +
      "(the engine cannot download it here)",
    `  fix: bin/lattice engine install-plugins (runs: pulumi plugin install resource kubernetes v${V} ` +
      `--file ${ROOT}/.tools/pulumi-home/plugins/resource-kubernetes-v${V}/pulumi-resource-kubernetes)`,
  ]);
  const installed = await project.lattice(["engine", "install-plugins"], env);
  expect([installed.code, installed.stdout]).toEqual([
    0,
    `installed the kubernetes plugin v${KUBERNETES_PLUGIN_VERSION} into ${home}\n`,
  ]);
  const shown = await project.lattice(["engine"], env);
  expect(shown.stdout).toContain(`kubernetes plugin v${KUBERNETES_PLUGIN_VERSION}: installed`);
  expect(shown.stdout).toMatch(/^using pulumi v3\.259\.0 at .*user-bin\/pulumi \(from PATH\)$/m);
});

test("stack missing: destroy does not create one", async () => {
  const r = await project.lattice(["destroy", "--stack", "nope"]);
  expect(failure(r, "destroy")).toEqual([
    `lattice destroy: stack nope does not exist in file://${project.stateDir}`,
    "  fix: lattice up --stack nope creates it (or pulumi stack init nope); 'pulumi stack ls' lists the stacks",
  ]);
});

test("kubeconfig missing: the file the stack names does not exist", async () => {
  project.settings("kc-missing", {
    kubeconfig: "/nonexistent/kubeconfig",
    services: path.join(ROOT, "examples/external"),
  });
  const r = await project.inProcess(["up", "--stack", "kc-missing"]);
  expect(failure(r, "up")).toEqual([
    "lattice up: the kubeconfig /nonexistent/kubeconfig (lattice:kubeconfig of stack kc-missing) does not exist",
    "  fix: pulumi config set lattice:kubeconfig PATH --stack kc-missing (or --secret with the kubeconfig's content)",
  ]);
});

test("kubeconfig unreadable: not a kubeconfig", async () => {
  const kc = file("broken.kubeconfig", "apiVersion: v1\nkind: Config\ncurrent-context: prod\n");
  project.settings("kc-broken", { kubeconfig: kc, services: path.join(ROOT, "examples/external") });
  const r = await project.inProcess(["preview", "--stack", "kc-broken"]);
  expect(failure(r, "preview")).toEqual([
    `lattice preview: cannot use the kubeconfig ${kc} (lattice:kubeconfig of stack kc-broken): no context named "prod"`,
    expect.stringMatching(
      /^ {2}fix: check the file \(kubectl --kubeconfig .* config view\), or pulumi config set lattice:kubeconfig/,
    ),
  ]);
});

test("API server unreachable: nothing listens at the kubeconfig's address", async () => {
  const [port] = await freePorts(1);
  const kc = file(
    "closed.kubeconfig",
    renderKubeconfig("closed", { server: `https://127.0.0.1:${port}`, ca: cp.ca.cert }),
  );
  project.settings("unreachable", { kubeconfig: kc, services: path.join(ROOT, "examples/external") });
  const r = await project.inProcess(["up", "--stack", "unreachable"]);
  expect(failure(r, "up")).toEqual([
    `lattice up: the Kubernetes API server https://127.0.0.1:${port} is unreachable: ` +
      "connection refused (nothing listens there)",
    "  fix: start the cluster or check its address in the kubeconfig (lattice:kubeconfig of stack unreachable); " +
      "then lattice doctor",
  ]);
});

test("API server refusing: a client certificate of another cluster", async () => {
  const other = await createCa("another-cluster");
  const cert = await other.sign({ commonName: "mallory", organization: "system:masters", usage: "client" });
  const kc = file(
    "foreign.kubeconfig",
    renderKubeconfig("foreign", { server: cp.server, ca: cp.ca.cert, cert: cert.cert, key: cert.key }),
  );
  project.settings("refused", { kubeconfig: kc, services: path.join(ROOT, "examples/external") });
  const r = await project.inProcess(["preview", "--stack", "refused"]);
  expect(failure(r, "preview")).toEqual([
    expect.stringMatching(
      new RegExp(
        `^lattice preview: the Kubernetes API server ${cp.server} ` +
          "refused the kubeconfig's credentials \\(401\\): Unauthorized",
      ),
    ),
    "  fix: renew the kubeconfig's client certificate or token (they are expired or from another cluster)",
  ]);
});

test("bad YAML: every problem with file, document and field; nothing deployed", async () => {
  const bad = file(
    "bad/api.yaml",
    "apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: api, namespace: shop}\nspec:\n" +
      "  containers: {main: {image: api:1}}\n  resources:\n    web: {type: service, direction: in}\n",
  );
  project.settings("bad-yaml", { kubeconfig: cp.kubeconfigPath, services: path.dirname(bad) });
  const r = await project.inProcess(["up", "--stack", "bad-yaml"]);
  expect(failure(r, "up")).toEqual([
    `lattice up: 1 problem in the Lattice YAML of stack bad-yaml (${path.dirname(bad)}), nothing was deployed:`,
    `  ${bad}#1: spec.resources.web.direction: expected "inbound" | "outbound", got "in"`,
    "  fix: correct the documents, then run the command again " +
      `('lattice render -f ${path.dirname(bad)}' checks them offline)`,
  ]);
  expect(await cp.client.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name: "shop" })).toBeUndefined();
});

test("CRDs missing: the cluster serves no Cilium or Istio kinds", async () => {
  project.settings("no-crds", { kubeconfig: cp.kubeconfigPath, services: path.join(ROOT, "examples/external") });
  const r = await project.inProcess(["up", "--stack", "no-crds"]);
  const lines = failure(r, "up");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(
    new RegExp(
      `^lattice up: the cluster at ${cp.server} does not serve .*cilium\\.io/v2/CiliumNetworkPolicy, ` +
        ".*security\\.istio\\.io/v1/AuthorizationPolicy",
    ),
  );
  expect(lines[1]).toBe(
    "  fix: install Cilium ≥ 1.20 (its CRDs cilium.io/v2) and Istio ≥ 1.31 in ambient mode " +
      "(its CRDs security/networking.istio.io/v1) in the cluster (lattice doctor lists what is present)",
  );
  expect(await cp.client.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name: "shop" })).toBeUndefined();
});
