// A LatticeCluster through the real engine against a real parent API server running the REAL
// Cluster API core controllers, with only machines simulated (test/harness/machine-simulator.ts):
// the cell runs as a real process in the parent, the node's post-bootstrap script runs for real
// (redeeming the one-time token at the cell's bootstrap endpoint), and the agent runs as a real
// process dialing the cell. Provisioning, scaling, destroy; the token appears nowhere it must not:
// once the agent has connected the bootstrap Secret keeps its keys but holds a "spent" marker, and
// no Secret, Event, state file or log of the parent holds the token. Destroy deletes only what
// carries Lattice's ownership labels: a foreign Secret of an expected name or label survives it.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { readLinkStatus } from "../../../agent/api/link-status";
import { installLinkCrds } from "../../../agent/deploy/crds";
import { startCapi, type CapiManager } from "../../harness/capi";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { startMachineSimulator, type MachineSimulator } from "../../harness/machine-simulator";
import { runPostBootstrap, startAgentKubelet, type AgentKubelet } from "../../harness/node-boot";
import { startProcess, tail, type Proc } from "../../harness/processes";
import { openStack, type TestStack } from "../../harness/pulumi";
import { ROOT } from "../../harness/tools";
import { parse } from "yaml";
import { eventsText } from "../../harness/events";
import type { KubeObject } from "../../../core/k8s/object";
import { BOOTSTRAP_TOKEN_SPENT, NODE_PATHS } from "../../../core/cluster";

jest.setTimeout(600_000);

const CLUSTER = "edge";
const NS = "clusters";
let parent: ControlPlane;
let child: ControlPlane;
let capi: CapiManager;
let cell: Proc;
let sim: MachineSimulator;
let kubelet: AgentKubelet;
let stack: TestStack;
const engineOutput: string[] = [];
/** Every token a control-plane node was given (read from its bootstrap data as it booted). */
const tokensGiven: string[] = [];

const capi2 = (kind: string) => (kind === "Cluster" || kind.startsWith("Machine") ? "cluster.x-k8s.io/v1beta2" : "");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  [parent, child] = await Promise.all([startControlPlane({ name: "parent" }), startControlPlane({ name: "child" })]);
  capi = await startCapi(parent);
  await installLinkCrds(parent.client);
  // Add-ons every new cluster gets in its bootstrap payload. The real ones (Cilium, Istio ambient,
  // the CAPI providers) are rendered charts that cannot be fetched here; these stand in for them.
  const addons = path.join(parent.dir, "addons.yaml");
  writeFileSync(
    addons,
    [
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: addon-cni\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: addon-config\n  namespace: addon-cni\ndata:\n  installed-by: bootstrap-payload\n",
    ].join("---\n"),
  );
  cell = startProcess(
    "cell",
    path.join(ROOT, "bin", "lattice"),
    [
      "cell",
      "--kubeconfig",
      parent.kubeconfigPath,
      "--listen",
      "127.0.0.1:0",
      "--bootstrap-listen",
      "127.0.0.1:0",
      "--advertise",
      "127.0.0.1",
      "--bootstrap-advertise",
      "127.0.0.1",
      "--addons",
      addons,
    ],
    path.join(parent.dir, "cell.log"),
  );
  sim = startMachineSimulator({
    parent: parent.client,
    childOf: (c) => (c === CLUSTER ? child : undefined),
    bootNode: async (boot) => {
      const token = boot.files[NODE_PATHS.token];
      if (token && token !== BOOTSTRAP_TOKEN_SPENT) tokensGiven.push(token);
      await runPostBootstrap(boot);
    },
  });
  kubelet = startAgentKubelet(() => [[CLUSTER, child]]);
  stack = await openStack({
    workDir: path.join(ROOT, "test", "programs", "cluster"),
    stackName: "provision",
    config: {
      parentKubeconfig: { value: parent.kubeconfig, secret: true },
      workers: { value: "2" },
      timeoutSeconds: { value: "240" },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  await kubelet?.stop();
  await sim?.stop();
  await cell?.stop();
  await capi?.stop();
  await parent?.stop();
  await child?.stop();
});

function explainFailure(): string {
  return [
    `simulator:\n${sim.log.slice(-20).join("\n")}`,
    `cell:\n${tail(cell.log, 20)}`,
    `agent:\n${[...kubelet.agents.values()].map((a) => tail(a.log, 20)).join("\n")}`,
  ].join("\n\n");
}

test("up provisions the cluster: Provisioned, every machine running, the agent connected over the link", async () => {
  const res = await stack.stack.up({ onOutput: (s) => engineOutput.push(s) }).catch((e: Error) => {
    throw new Error(`${e.message}\n\n${explainFailure()}`);
  });
  expect(res.summary.result).toBe("succeeded");
  const out = await stack.outputs();
  expect(out.phase).toBe("Provisioned");
  expect(out.agent).toBe("connected");
  expect(out.machines).toEqual({ ready: 3, total: 3 });
  expect(out.controlPlaneEndpoint).toBe(`127.0.0.1:${child.port}`);
  expect(out.kubeconfig).toContain(child.server);
  expect(res.outputs.kubeconfig!.secret).toBe(true);
  expect((await readLinkStatus(parent.client, CLUSTER)).state).toBe("connected");
  // Progress was logged while the provider waited.
  expect(engineOutput.join("")).toMatch(/LatticeCluster clusters\/edge: phase \w+, machines \d\/3 ready/);
});

test("the add-ons reached the child in the bootstrap payload (no inbound connection to the child)", async () => {
  const cm = await child.client.get({
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "addon-config",
    namespace: "addon-cni",
  });
  expect(cm.data).toEqual({ "installed-by": "bootstrap-payload" });
});

test("once the agent is connected the token is gone: not in the parent's Secrets, Events, the state or any log", async () => {
  // The Secret keeps its keys (Cluster API renders new control-plane machines from it), with the marker.
  const secret = await parent.client.get({
    apiVersion: "v1",
    kind: "Secret",
    name: `${CLUSTER}-lattice-bootstrap`,
    namespace: NS,
  });
  const data = secret.data as Record<string, string>;
  expect(Buffer.from(data.token!, "base64").toString("utf8")).toBe(BOOTSTRAP_TOKEN_SPENT);
  expect(engineOutput.join("")).toContain("the bootstrap token is gone from the parent");
  expect(tokensGiven.length).toBeGreaterThan(0);
  const decoded = (o: KubeObject) =>
    Object.values(((o as { data?: unknown }).data as Record<string, string> | undefined) ?? {})
      .map((v) => Buffer.from(v, "base64").toString("utf8"))
      .join("\n");
  const parentSecrets = await parent.client.list("v1", "Secret");
  const haystacks = {
    state: filesUnder(stack.stateDir)
      .map((f) => readFileSync(f, "utf8"))
      .join("\n"),
    engine: engineOutput.join(""),
    cell: readFileSync(cell.log, "utf8"),
    agent: [...kubelet.agents.values()].map((a) => readFileSync(a.log, "utf8")).join("\n"),
    simulator: sim.log.join("\n"),
    "parent Events": await eventsText(parent.client),
    "child Events": await eventsText(child.client),
  };
  expect(haystacks.state).toContain(CLUSTER); // the right files were read
  const secretText = (o: KubeObject) => `${JSON.stringify(o)}\n${decoded(o)}`;
  // The machines' bootstrap data (Cluster API's copies of the token file) were read, and scrubbed.
  const nodeData = parentSecrets.filter((o) => decoded(o).includes(NODE_PATHS.token));
  expect(nodeData.length).toBeGreaterThan(0);
  for (const o of nodeData) {
    const cloudConfig = parse(Buffer.from((o as { data?: { value?: string } }).data?.value ?? "", "base64").toString());
    const file = (cloudConfig as { write_files: { path: string; content: string }[] }).write_files.find(
      (f) => f.path === NODE_PATHS.token,
    );
    expect({ secret: o.metadata.name, token: file?.content }).toEqual({
      secret: o.metadata.name,
      token: BOOTSTRAP_TOKEN_SPENT,
    });
  }
  expect(haystacks["parent Events"].length).toBeGreaterThan(0);
  for (const token of tokensGiven) {
    expect(token).toMatch(/^lt1\.[A-Za-z0-9_-]{40,}$/);
    for (const [where, text] of Object.entries(haystacks))
      expect({ where, found: text.includes(token) }).toEqual({ where, found: false });
    const holding = parentSecrets.filter((o) => secretText(o).includes(token)).map((o) => o.metadata.name);
    expect({ "parent Secrets holding the token": holding }).toEqual({ "parent Secrets holding the token": [] });
  }
});

test("scaling the workers with a second up changes the MachineDeployment; the real controllers add the machine", async () => {
  await stack.setConfig({ workers: { value: "3" } });
  await stack.up();
  const mds = await parent.client.list("cluster.x-k8s.io/v1beta2", "MachineDeployment", {
    namespace: NS,
    labelSelector: `cluster.x-k8s.io/cluster-name=${CLUSTER}`,
  });
  expect(mds.map((m) => (m.spec as { replicas: number }).replicas)).toEqual([3]);
  const machines = await parent.client.list("cluster.x-k8s.io/v1beta2", "Machine", { namespace: NS });
  expect(machines.filter((m) => (m.status as { phase?: string } | undefined)?.phase === "Running")).toHaveLength(4);
  expect((await stack.outputs()).machines).toEqual({ ready: 4, total: 4 });
});

test("destroy deprovisions: nothing of the cluster is left in the parent but what is not Lattice's", async () => {
  // Someone else's Secret under the bootstrap Secret's name, and one carrying the link's cluster
  // label without the link's managed-by: found by name and by label, neither is Lattice's.
  await parent.client.delete({ apiVersion: "v1", kind: "Secret", name: `${CLUSTER}-lattice-bootstrap`, namespace: NS });
  const foreign = [
    { name: `${CLUSTER}-lattice-bootstrap`, namespace: NS, labels: { team: "edge-ops" } },
    { name: "edge-ops-notes", namespace: "lattice-system", labels: { "agent.lattice.dev/cluster": CLUSTER } },
  ];
  for (const f of foreign)
    await parent.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: f,
      stringData: { owner: "edge-ops" },
    } as never);
  const destroyOutput: string[] = [];
  await stack.stack.destroy({ onOutput: (o) => destroyOutput.push(o) });
  // Objects owned by deleted ones go by garbage collection, shortly after.
  let left = await leftovers();
  for (let i = 0; i < 60 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = await leftovers();
  }
  expect(left).toEqual([`Secret/${CLUSTER}-lattice-bootstrap`]);
  for (const f of foreign) {
    const live = await parent.client.get({ apiVersion: "v1", kind: "Secret", name: f.name, namespace: f.namespace });
    expect({ name: f.name, labels: live.metadata.labels, owner: (live.data as Record<string, string>).owner }).toEqual({
      name: f.name,
      labels: f.labels,
      owner: Buffer.from("edge-ops").toString("base64"),
    });
    expect(destroyOutput.join("")).toContain(`warning: Secret ${f.namespace}/${f.name} is left in place`);
  }
});

async function leftovers(): Promise<string[]> {
  const left: string[] = [];
  for (const kind of ["Cluster", "MachineDeployment", "MachineSet", "Machine"])
    for (const o of await parent.client.list(capi2(kind), kind, { namespace: NS }))
      left.push(`${kind}/${o.metadata.name}`);
  for (const [v, kind] of [
    ["controlplane.cluster.x-k8s.io/v1beta2", "KubeadmControlPlane"],
    ["bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfig"],
    ["bootstrap.cluster.x-k8s.io/v1beta2", "KubeadmConfigTemplate"],
    ["infrastructure.cluster.x-k8s.io/v1beta2", "DockerCluster"],
    ["infrastructure.cluster.x-k8s.io/v1beta2", "DockerMachine"],
    ["infrastructure.cluster.x-k8s.io/v1beta2", "DockerMachineTemplate"],
  ] as const)
    for (const o of await parent.client.list(v, kind, { namespace: NS })) left.push(`${kind}/${o.metadata.name}`);
  for (const o of await parent.client.list("v1", "Secret", { namespace: NS })) left.push(`Secret/${o.metadata.name}`);
  for (const o of await parent.client.list("agent.lattice.dev/v1alpha1", "ClusterLink", {
    namespace: "lattice-system",
  }))
    left.push(`ClusterLink/${o.metadata.name}`);
  return left;
}
