// awaitWorkloads on the test bed: `bin/lattice up` waits for a real rollout — the REAL Deployment
// and ReplicaSet controllers create the ReplicaSet and pods, the REAL kube-scheduler places them on
// simulated nodes, the pod simulator (test/harness/pod-simulator.ts) plays their kubelet — with a
// progress line per change; and an image that never pulls fails `up` within the spec's
// rollout.timeoutSeconds, naming the service and the pod's reason, in two lines without a stack.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { removeDir } from "../../harness/processes";
import { makeProject, STACK_LINE, type Project } from "../cli/support";

jest.setTimeout(240_000);

const NEVER = "registry.invalid/shop/api:never";
const services = mkdtempSync(path.join(os.tmpdir(), "lattice-rollout-"));
let cp: ControlPlane;
let project: Project;

function writeService(image: string, timeoutSeconds: number): void {
  mkdirSync(services, { recursive: true });
  writeFileSync(
    path.join(services, "api.yaml"),
    [
      "apiVersion: lattice.dev/v1alpha1",
      "kind: LatticeService",
      "metadata: {name: api, namespace: shop}",
      "spec:",
      "  replicas: 2",
      `  rollout: {timeoutSeconds: ${timeoutSeconds}}`,
      `  containers: {main: {image: "${image}"}}`,
      "  service: {ports: {http: {port: 8080}}}",
      "",
    ].join("\n"),
  );
}

beforeAll(async () => {
  project = makeProject();
  cp = await startControlPlane({
    name: "rollout",
    crds: ["cilium", "istio"],
    workloads: { nodes: 1, neverPulls: [NEVER], readyAfterMs: 1500 },
  });
  project.settings("rollout", { kubeconfig: cp.kubeconfigPath, services, trustDomain: "rollout.test" });
});

afterAll(async () => {
  await cp?.stop();
  removeDir(project.dir);
  rmSync(services, { recursive: true, force: true });
});

const managers = (o: { metadata: { managedFields?: readonly { manager?: string }[] } }) =>
  (o.metadata.managedFields ?? []).map((f) => f.manager);

test("up waits for the rollout: ReplicaSet from the real controller, pods made ready by the simulator", async () => {
  writeService("shop/api:1.0", 120);
  const r = await project.lattice(["up", "--stack", "rollout"]);
  if (r.code !== 0)
    throw new Error(`up failed:\n${r.stderr}\n${r.stdout.slice(-3000)}\n${cp.pods!.log.slice(-20).join("\n")}`);
  // One progress line per change as it happens (the engine repeats them under Diagnostics), ending ready.
  const progress = (r.stdout.match(/pulumi:pulumi:Stack .* rollout shop\/api [^\n]*/g) ?? []).map((l) =>
    l.replace(/^.* (rollout shop)/, "$1"),
  );
  expect(progress[progress.length - 1]).toBe("rollout shop/api 2/2 ready");
  expect(progress.some((l) => /^rollout shop\/api [01]\/2 ready/.test(l))).toBe(true);
  expect(new Set(progress).size).toBe(progress.length);

  const deployment = await cp.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "api" });
  const [rs, ...others] = await cp.client.list("apps/v1", "ReplicaSet", { namespace: "shop" });
  expect(others).toEqual([]);
  expect(rs!.metadata.name).toMatch(/^api-[a-z0-9]+$/);
  expect((rs!.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences?.[0]?.uid).toBe(
    (deployment.metadata as { uid?: string }).uid,
  );
  expect(managers(rs!)).toContain("kube-controller-manager");
  const pods = await cp.client.list("v1", "Pod", { namespace: "shop" });
  expect(pods).toHaveLength(2);
  for (const p of pods) {
    expect((p.spec as { nodeName?: string }).nodeName).toBe("sim-node-0");
    expect((p.status as { phase?: string }).phase).toBe("Running");
    expect(managers(p)).toEqual(expect.arrayContaining(["kube-controller-manager", "lattice-pod-simulator"]));
  }
  // kube-scheduler placed them (the simulator cannot: a pod's node is set only through its binding).
  const scheduled = (await cp.client.list("v1", "Event", { namespace: "shop" })).filter(
    (e) => (e as { reason?: string }).reason === "Scheduled",
  );
  type Event = { reportingComponent?: string; source?: { component?: string } };
  expect(scheduled.map((e) => (e as Event).reportingComponent || (e as Event).source?.component)).toEqual([
    "default-scheduler",
    "default-scheduler",
  ]);
});

test("a never-pulling image fails up within the spec's timeout, naming the service and the pod's reason", async () => {
  writeService(NEVER, 15);
  const started = Date.now();
  const r = await project.lattice(["up", "--stack", "rollout"]);
  const seconds = (Date.now() - started) / 1000;
  expect(r.code).toBe(1);
  expect(r.stderr + r.stdout).not.toMatch(STACK_LINE);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines.slice(lines.findIndex((l) => l.startsWith("lattice up: ")))).toEqual([
    expect.stringMatching(
      new RegExp(
        "^lattice up: LatticeService shop/api: not ready after 15 s \\(0/2 ready; " +
          "pod api-[a-z0-9]+-[a-z0-9]+ \\(container main\\): ImagePullBackOff: " +
          'Back-off pulling image "registry\\.invalid/shop/api:never"',
      ),
    ),
    expect.stringMatching(
      /^ {2}fix: check the image name and tag in spec\.containers and the registry's credentials \(kubectl -n shop /,
    ),
  ]);
  expect(r.stdout).toMatch(/rollout shop\/api 0\/2 ready \(pod api-\S+: ImagePullBackOff\)/);
  // The wait ended at the spec's deadline, not at the engine's default of 10 minutes (the bound
  // leaves room for the preview and the engine's start on a loaded machine).
  expect(seconds).toBeLessThan(240);
});
