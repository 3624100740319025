// The control-plane harness: independent control planes in parallel, real CRD schemas enforced
// by the real API server, and teardown that leaks no process, port or directory, also when the
// process that started them is killed.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { KubeError } from "../../../kube/client";
import { startControlPlane, startControlPlanes, type ControlPlane } from "../../harness/controlplane";
import { isListening } from "../../harness/processes";
import { nodePath, ROOT } from "../../harness/tools";

jest.setTimeout(180_000);

/** PIDs of processes whose command line mentions the given text. */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("two control planes with the Cilium and Istio CRDs", () => {
  let a: ControlPlane;
  let b: ControlPlane;
  beforeAll(async () => {
    [a, b] = (await startControlPlanes(2, { name: "pair", crds: ["cilium", "istio"] })) as [ControlPlane, ControlPlane];
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test("do not see each other's objects", async () => {
    const cm = (name: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default" },
      data: { k: name },
    });
    await a.client.apply(cm("only-in-a"));
    await b.client.apply(cm("only-in-b"));
    const names = async (cp: ControlPlane) =>
      (await cp.client.list("v1", "ConfigMap", { namespace: "default" })).map((c) => c.metadata.name);
    expect(await names(a)).toContain("only-in-a");
    expect(await names(a)).not.toContain("only-in-b");
    expect(await names(b)).toContain("only-in-b");
    expect(await names(b)).not.toContain("only-in-a");
    expect(a.server).not.toEqual(b.server);
    expect(a.ca.cert).not.toEqual(b.ca.cert);
  });

  const cnp = (protocol: string) => ({
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: "api-ingress", namespace: "default" },
    spec: {
      endpointSelector: { matchLabels: { app: "api" } },
      ingress: [
        { fromEndpoints: [{ matchLabels: { app: "frontend" } }], toPorts: [{ ports: [{ port: "8080", protocol }] }] },
      ],
    },
  });
  const authz = (action: string) => ({
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    metadata: { name: "api-allow", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "api" } },
      action,
      rules: [{ from: [{ source: { principals: ["td/ns/default/sa/frontend"] } }] }],
    },
  });

  async function rejection(obj: object): Promise<KubeError> {
    const err = await a.client.apply(obj as never, { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeError);
    return err as KubeError;
  }

  test("reject a CiliumNetworkPolicy with protocol TCPX, naming the field", async () => {
    const err = await rejection(cnp("TCPX"));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/spec\.ingress\[0\]\.toPorts\[0\]\.ports\[0\]\.protocol/);
    expect(err.message).toContain("TCPX");
  });

  test("reject an AuthorizationPolicy with action PERMIT, naming the field", async () => {
    const err = await rejection(authz("PERMIT"));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/spec\.action/);
  });

  test("accept the corrected objects", async () => {
    await expect(a.client.apply(cnp("TCP"))).resolves.toMatchObject({ kind: "CiliumNetworkPolicy" });
    await expect(a.client.apply(authz("ALLOW"))).resolves.toMatchObject({ kind: "AuthorizationPolicy" });
  });

  test("b has the CRDs too but none of a's policies", async () => {
    expect(await b.client.list("cilium.io/v2", "CiliumNetworkPolicy")).toEqual([]);
  });
});

test("stop() leaves no process, port or directory behind", async () => {
  const cps = await startControlPlanes(2, { name: "leak", controllerManager: true });
  const dirs = cps.map((cp) => cp.dir);
  const ports = cps.map((cp) => cp.port);
  for (const dir of dirs) expect(processesMentioning(dir).length).toBe(3); // etcd, apiserver, controller manager
  await Promise.all(cps.map((cp) => cp.stop()));
  for (const dir of dirs) {
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }
  for (const port of ports) expect(await isListening(port)).toBe(false);
});

test("with workloads: the scheduler too, a simulated node; stop() leaves nothing behind either", async () => {
  const cp = await startControlPlane({ name: "leak-workloads", workloads: { nodes: 1 } });
  expect(processesMentioning(cp.dir).length).toBe(4); // etcd, apiserver, controller manager, scheduler
  const nodes = await cp.client.list("v1", "Node");
  expect(nodes.map((n) => n.metadata.name)).toEqual(["sim-node-0"]);
  await cp.stop();
  expect(processesMentioning(cp.dir)).toEqual([]);
  expect(existsSync(cp.dir)).toBe(false);
  expect(await isListening(cp.port)).toBe(false);
});

test("a killed test process leaves nothing behind: the watchdog reaps its control plane", async () => {
  // A separate Node process starts a control plane, prints its directory, then is SIGKILLed (no
  // exit handlers run) — as when a test run is interrupted hard.
  const script = `
    require(${JSON.stringify(path.join(ROOT, "node_modules/ts-node"))}).register({ transpileOnly: true, swc: true });
    require(${JSON.stringify(path.join(ROOT, "test/harness/controlplane.ts"))})
      .startControlPlane({ name: "killed" })
      .then((cp) => console.log("DIR " + cp.dir + " PORT " + cp.port));`;
  const child = spawn(nodePath(), ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out);
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  const [, dir, port] = line.match(/DIR (\S+) PORT (\d+)/)!;
  expect(processesMentioning(dir!).length).toBe(3);
  child.kill("SIGKILL");
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (processesMentioning(dir!).length > 0 || existsSync(dir!))) {
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(processesMentioning(dir!)).toEqual([]);
  expect(existsSync(dir!)).toBe(false);
  expect(await isListening(Number(port))).toBe(false);
  // and no stray etcd from it anywhere
  expect(execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })).not.toContain(dir!);
});
