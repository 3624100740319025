// Parent gone (issue 14 item 3), over the link: the cell pivots a cluster's Cluster API objects into
// the child through its agent (the child runs the REAL Cluster API core manager and its own machine
// simulator, as a self-managed cluster would run its providers), then the parent's control plane is
// stopped and deleted entirely (processes and data). The child holds every object; for 30 s after
// activation no Machine is created or replaced; then its own CAPI scales the MachineDeployment 2 → 3
// and the control plane 1 → 3 — new control-plane machines get their bootstrap data only because the
// <cluster>-lattice-bootstrap Secret moved (the simulated CABPK resolves contentFrom from it).
//
// The parent here holds a loaded fixture of a provisioned cluster (test/harness/pivot-fixture.ts),
// written through its own real CAPI manager's webhooks (defaults applied, as in a live parent), not
// one provisioned through the engine; the parent runs no machine simulator (nothing is provisioned
// there). What is under test is the link pivot and the child afterwards.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { installLinkCrds, issueBootstrapToken } from "../../../agent/queue";
import { eventually } from "../../../agent/testkit/wait";
import { fromJournalEntry } from "../../../core/pivot/journal";
import { keyOf } from "../../../core/pivot/model";
import type { KubeObject } from "../../../core/k8s/object";
import { readEntries } from "../../../pivot/read";
import { requestLinkPivot } from "../../../pivot/request";
import { startCapi, type CapiManager } from "../../harness/capi";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { startMachineSimulator, type MachineSimulator } from "../../harness/machine-simulator";
import { tail } from "../../harness/processes";
import { agentKubeconfig, bootstrapChild } from "../link/support/child";
import { startCell, startLattice, type LatticeProc } from "../link/support/procs";
import { JOURNAL_NS, journal, loadInto, prepare } from "./support/bed";

jest.setTimeout(420_000);

const NS = "capi-edge";
const CLUSTER = "edge";
const CORE = "cluster.x-k8s.io/v1beta2";
const KCP_API = "controlplane.cluster.x-k8s.io/v1beta2";

type Machine = KubeObject & { spec: { providerID?: string }; status?: { phase?: string } };

describe("parent gone: after a pivot over the link the child manages itself", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let cell: LatticeProc;
  let agent: LatticeProc;
  let capi: CapiManager;
  let parentCapi: CapiManager | undefined;
  let sim: MachineSimulator;

  afterAll(async () => {
    await sim?.stop();
    await agent?.proc.stop();
    await cell?.proc.stop();
    await capi?.stop();
    await parentCapi?.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const machines = async () => (await child.client.list(CORE, "Machine", { namespace: NS })) as Machine[];
  const ids = (ms: Machine[]) =>
    ms.map((m) => `${m.metadata.name} ${(m.metadata as { uid?: string }).uid} ${m.spec.providerID}`).sort();
  const diagnostics = () =>
    [`simulator:\n${sim?.log.slice(-15).join("\n")}`, `child CAPI:\n${capi ? tail(capi.process.log, 15) : ""}`].join(
      "\n\n",
    );

  it("pivots over the link; with the parent deleted the child's own CAPI scales workers 2 → 3 and control plane 1 → 3", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-parent-gone-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false }),
    ]);
    await Promise.all([prepare(parent, "source"), installLinkCrds(parent.client), prepare(child, "target")]);
    [capi, parentCapi] = await Promise.all([
      startCapi(child, { clusterctlLabels: true }),
      startCapi(parent, { clusterctlLabels: true }),
    ]);
    cell = await startCell(parent, dir, { host: "127.0.0.1" });
    const grant = await issueBootstrapToken(parent.client, CLUSTER, { ttlSeconds: 600, capiNamespace: NS });
    expect((await bootstrapChild(child, grant, dir)).code).toBe(0);
    agent = startLattice(
      "agent",
      ["agent", "--kubeconfig", await agentKubeconfig(child, dir), "--backoff-base", "200ms", "--backoff-max", "1s"],
      dir,
    );
    await agent.waitFor((l) => l.msg === "link up", "link up", 60_000);

    // A provisioned cluster in the parent whose machines are the child's own Nodes.
    const fixture = await loadInto(parent, {
      namespace: NS,
      cluster: CLUSTER,
      controlPlanes: 1,
      workers: 2,
      endpoint: { host: "127.0.0.1", port: child.port },
      kubeconfig: child.kubeconfig,
    });
    for (const m of fixture.machines) {
      await child.client.apply(
        { apiVersion: "v1", kind: "Node", metadata: { name: m.name }, spec: { providerID: m.providerID } },
        { fieldManager: "kubelet" },
      );
      const now = new Date().toISOString();
      await child.client.applyStatus(
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: m.name },
          status: {
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
        "kubelet",
      );
    }
    // The child's providers (simulated) run before the copies arrive; they honour the pause.
    sim = startMachineSimulator({ parent: child.client, childOf: (c) => (c === CLUSTER ? child : undefined) });

    await requestLinkPivot(parent.client, JOURNAL_NS, { namespace: NS, cluster: CLUSTER, link: CLUSTER });
    const done = await eventually(
      async () => {
        const j = await journal(parent, `${NS}.${CLUSTER}`);
        if (j?.status?.phase !== "Completed") throw new Error(`at ${j?.status?.phase}: ${j?.status?.lastError ?? ""}`);
        return j;
      },
      "the pivot completed",
      120_000,
      200,
    ).catch(async (e: unknown) => {
      const sets = await child.client.list(CORE, "MachineSet", { namespace: NS });
      throw new Error(
        `${(e as Error).message}\nchild MachineSets: ${JSON.stringify(sets.map((m) => m.metadata))}\n${diagnostics()}\ncell:\n${cell.raw().slice(-4000)}`,
      );
    });
    const activated = Date.now();
    const plan = done.status!.plan!.map(fromJournalEntry);
    const held = await readEntries(child.client, plan);
    expect(plan.filter((e) => !held.has(keyOf(e))).map(keyOf)).toEqual([]);
    expect(plan.some((e) => e.kind === "Secret" && e.name === `${CLUSTER}-lattice-bootstrap`)).toBe(true);

    // No Machine created or replaced in the 30 s after activation.
    const atActivation = ids(await machines());
    expect(atActivation.map((s) => s.split(" ")[0]).sort()).toEqual(fixture.machines.map((m) => m.name).sort());
    while (Date.now() - activated < 30_000) {
      expect(ids(await machines())).toEqual(atActivation);
      await sleep(2_000);
    }

    // The parent goes: the cell, then its API server and etcd with their data.
    await cell.proc.stop();
    await parentCapi!.stop();
    parentCapi = undefined;
    await parent.stop();
    expect(existsSync(parent.dir)).toBe(false);

    // Scale through the child's own API: workers 2 → 3, control plane 1 → 3.
    const [md] = await child.client.list(CORE, "MachineDeployment", { namespace: NS });
    const [kcp] = await child.client.list(KCP_API, "KubeadmControlPlane", { namespace: NS });
    const patch = async (o: KubeObject) =>
      child.client.request(
        "PATCH",
        await child.client.pathOf(o.apiVersion, o.kind, NS, o.metadata.name),
        { spec: { replicas: 3 } },
        "application/merge-patch+json",
      );
    await patch(md!);
    await patch(kcp!);
    try {
      await eventually(
        async () => {
          const ms = await machines();
          const running = ms.filter((m) => m.status?.phase === "Running");
          const cp = running.filter((m) => "cluster.x-k8s.io/control-plane" in (m.metadata.labels ?? {}));
          return running.length === 6 && cp.length === 3;
        },
        "3 control-plane and 3 worker Machines Running in the child",
        180_000,
        1000,
      );
    } catch (e) {
      const ms = await machines();
      throw new Error(
        `${(e as Error).message}\n${ms.map((m) => `${m.metadata.name} ${m.status?.phase}`).join("\n")}\n\n${diagnostics()}`,
      );
    }
    // The original Machines are still the same objects.
    const after = ids(await machines());
    for (const m of atActivation) expect(after).toContain(m);
    // The agent keeps redialing its dead parent (it never gives up, nothing in the child changes for it).
    expect(agent.proc.isRunning()).toBe(true);
  });
});
