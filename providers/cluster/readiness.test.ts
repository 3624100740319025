// readiness() on object states recorded from the real controllers, as pulumi-kubernetes' await
// tests do. Recorded 2026-12-03 on the test bed: the Cluster API v1.14.2 core manager with the
// test-only machine simulator playing CAPD, CABPK and KCP (test/harness/machine-simulator.ts), the
// Docker × kubeadm example (one control-plane machine, two workers), watched from apply to
// deletion; every distinct (Cluster phase and initialization, endpoint, machine phases and node
// references, deletions) was kept. Below, each recorded state keeps the fields readiness reads,
// with CAPI's field paths and values as recorded: Cluster status.phase, status.initialization,
// spec.controlPlaneEndpoint, metadata.deletionTimestamp; Machine status.phase, status.nodeRef.
import type { KubeObject } from "../../core/k8s/object";
import { readiness, type ClusterObservation, type Desired } from "./readiness";

const DESIRED: Desired = { controlPlane: 1, workers: 2 };
const ENDPOINT = { host: "127.0.0.1", port: 35889 };
const DELETED_AT = "2026-12-03T10:16:08Z";

type ClusterState = {
  status: {
    phase?: string;
    initialization?: { infrastructureProvisioned?: boolean; controlPlaneInitialized?: boolean };
  };
  endpoint?: { host: string; port: number };
  deleting?: boolean;
};
/** [name, status.phase, status.nodeRef.name, being deleted] */
type MachineState = [string, string | undefined, string | undefined, boolean];

const cluster = (c: ClusterState): KubeObject => ({
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Cluster",
  metadata: { name: "dev", namespace: "clusters", ...(c.deleting ? { deletionTimestamp: DELETED_AT } : {}) },
  spec: c.endpoint ? { controlPlaneEndpoint: c.endpoint } : {},
  ...(Object.keys(c.status).length ? { status: c.status } : {}),
});
const machine = ([name, phase, node, deleting]: MachineState): KubeObject => ({
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Machine",
  metadata: { name, namespace: "clusters", ...(deleting ? { deletionTimestamp: "2026-12-03T10:16:11Z" } : {}) },
  spec: { clusterName: "dev" },
  ...(phase ? { status: { phase, ...(node ? { nodeRef: { name: node } } : {}) } } : {}),
});
const observe = (c: ClusterState | undefined, machines: MachineState[], link?: string): ClusterObservation => ({
  ...(c ? { cluster: cluster(c) } : {}),
  machines: machines.map(machine),
  ...(link ? { link } : {}),
});

const CP = "dev-control-plane-5b58ee";
const W1 = "dev-default-7hf74-gxxvt";
const W2 = "dev-default-7hf74-wzwx7";
const infra = { infrastructureProvisioned: true };
const both = { controlPlaneInitialized: true, infrastructureProvisioned: true };
const running: MachineState[] = [
  [CP, "Running", CP, false],
  [W1, "Running", W1, false],
  [W2, "Running", W2, false],
];
const AGENT_NEVER = "agent connected (link never-connected)";

/** [recorded state, observation, phase, machines ready, waiting for] */
const provisioning: [string, ClusterObservation, string, number, string[]][] = [
  [
    "the Cluster just applied (no status yet)",
    observe({ status: {} }, [], "never-connected"),
    "Pending",
    0,
    [
      "infrastructure provisioned",
      "control plane initialized",
      "phase Provisioned (now Pending)",
      "machines ready 0/3",
      AGENT_NEVER,
    ],
  ],
  [
    "phase Provisioning",
    observe({ status: { phase: "Provisioning" } }, [], "never-connected"),
    "Provisioning",
    0,
    [
      "infrastructure provisioned",
      "control plane initialized",
      "phase Provisioned (now Provisioning)",
      "machines ready 0/3",
      AGENT_NEVER,
    ],
  ],
  [
    "the infrastructure provisioned: phase Provisioned before the control plane is initialized",
    observe({ status: { phase: "Provisioned", initialization: infra }, endpoint: ENDPOINT }, [], "never-connected"),
    "Provisioned",
    0,
    ["control plane initialized", "machines ready 0/3", AGENT_NEVER],
  ],
  [
    "two of three machines created, without status",
    observe(
      { status: { phase: "Provisioned", initialization: infra }, endpoint: ENDPOINT },
      [
        [CP, undefined, undefined, false],
        [W2, undefined, undefined, false],
      ],
      "never-connected",
    ),
    "Provisioned",
    0,
    ["control plane initialized", "machines ready 0/3", AGENT_NEVER],
  ],
  [
    "machines Provisioning",
    observe(
      { status: { phase: "Provisioned", initialization: infra }, endpoint: ENDPOINT },
      [
        [CP, "Provisioning", undefined, false],
        [W1, undefined, undefined, false],
        [W2, "Provisioning", undefined, false],
      ],
      "never-connected",
    ),
    "Provisioned",
    0,
    ["control plane initialized", "machines ready 0/3", AGENT_NEVER],
  ],
  [
    "the control plane initialized, machines Provisioned (no node yet)",
    observe(
      { status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT },
      [
        [CP, "Provisioned", undefined, false],
        [W1, "Provisioning", undefined, false],
        [W2, "Provisioned", undefined, false],
      ],
      "never-connected",
    ),
    "Provisioned",
    0,
    ["machines ready 0/3", AGENT_NEVER],
  ],
  [
    "every machine Running with its node, the agent not yet connected",
    observe({ status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT }, running, "never-connected"),
    "Provisioned",
    3,
    [AGENT_NEVER],
  ],
  [
    "every machine Running with its node, the link state not known yet",
    observe({ status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT }, running),
    "Provisioned",
    3,
    ["agent connected (link unknown)"],
  ],
  [
    "every machine Running with its node and the agent connected: ready",
    observe({ status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT }, running, "connected"),
    "Provisioned",
    3,
    [],
  ],
];

test.each(provisioning)("%s", (_what, o, phase, ready, waitingFor) => {
  const r = readiness(o, DESIRED);
  expect(r).toMatchObject({
    phase,
    machinesReady: ready,
    machinesTotal: 3,
    waitingFor,
    ready: waitingFor.length === 0,
  });
  const recordedEndpoint = (o.cluster?.spec as { controlPlaneEndpoint?: unknown } | undefined)?.controlPlaneEndpoint;
  expect(r.controlPlaneEndpoint).toBe(recordedEndpoint ? "127.0.0.1:35889" : undefined);
  expect(r.summary).toBe(`phase ${phase}, machines ${ready}/3 ready, agent ${o.link ?? "unknown"}`);
});

describe("deprovisioning (the states `destroy` logs progress from)", () => {
  const deleting = (phase: string) => ({ status: { phase, initialization: both }, endpoint: ENDPOINT, deleting: true });

  test("a machine being deleted no longer counts, though still Running", () => {
    const r = readiness(
      observe(deleting("Deleting"), [running[0]!, running[1]!, [W2, "Running", W2, true]], "connected"),
      DESIRED,
    );
    expect(r).toMatchObject({ phase: "Deleting", machinesReady: 2, ready: false });
    expect(r.waitingFor).toEqual(["phase Provisioned (now Deleting)", "machines ready 2/3"]);
  });

  test("workers Deleting, then the control plane's machine, then none", () => {
    const workersGoing: MachineState[] = [running[0]!, [W1, "Deleting", W1, true], [W2, "Deleting", W2, true]];
    expect(readiness(observe(deleting("Deleting"), workersGoing, "connected"), DESIRED).summary).toBe(
      "phase Deleting, machines 1/3 ready, agent connected",
    );
    expect(
      readiness(observe(deleting("Deleting"), [[CP, "Deleting", CP, true]], "connected"), DESIRED).machinesReady,
    ).toBe(0);
    expect(readiness(observe(deleting("Deleting"), [], "connected"), DESIRED).summary).toBe(
      "phase Deleting, machines 0/3 ready, agent connected",
    );
  });

  test("the Cluster gone", () => {
    const r = readiness(observe(undefined, [], "connected"), DESIRED);
    expect(r).toMatchObject({ phase: "Absent", ready: false, machinesReady: 0 });
    expect(r.waitingFor).toEqual(["the Cluster object", "machines ready 0/3"]);
    expect(r.controlPlaneEndpoint).toBeUndefined();
  });
});

test("more machines than desired (a pool scaled down, its machine not yet gone) is not ready", () => {
  const r = readiness(
    observe({ status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT }, running, "connected"),
    { controlPlane: 1, workers: 1 },
  );
  expect(r.ready).toBe(false);
  expect(r.waitingFor).toEqual(["machines ready 3/2"]);
});

test("a Running machine without a node reference is not ready", () => {
  const r = readiness(
    observe(
      { status: { phase: "Provisioned", initialization: both }, endpoint: ENDPOINT },
      [running[0]!, running[1]!, [W2, "Running", undefined, false]],
      "connected",
    ),
    DESIRED,
  );
  expect(r).toMatchObject({ ready: false, machinesReady: 2, waitingFor: ["machines ready 2/3"] });
});

test("a root cluster (lattice install) awaits no agent: every other state reads the same", () => {
  for (const [, o, phase, ready, waitingFor] of provisioning) {
    const r = readiness({ ...o, link: undefined }, DESIRED, true);
    const rest = waitingFor.filter((w) => !w.startsWith("agent"));
    expect(r).toMatchObject({ phase, machinesReady: ready, waitingFor: rest, ready: rest.length === 0 });
    expect(r.summary).toBe(`phase ${phase}, machines ${ready}/3 ready`);
  }
});
