// With the REAL Cluster API core manager on both management clusters (and the machine simulator
// playing the providers on each), the fixture pivots from the source to the target: the copies
// arrive paused while the target's controllers and webhooks already run, the target is activated,
// and then its controllers take over. In the 30 s after activation no Machine is created or
// replaced (names, UIDs and providerIDs unchanged), and the controllers rebuild what a move drops:
// the Machines' nodeRefs (found again in the workload cluster), the simulated providers' statuses.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../../core/k8s/object";
import { startCapi, type CapiManager } from "../../harness/capi";
import { startControlPlanes, type ControlPlane } from "../../harness/controlplane";
import { startMachineSimulator, type MachineSimulator } from "../../harness/machine-simulator";
import { tail } from "../../harness/processes";
import { type Bed, kindName, latticePivot, loadInto, prepare, snapshot } from "./support/bed";
import { discoveryTypes } from "../../../core/pivot/discovery";
import { loadCrds } from "../../harness/crds";
import { CRD_SETS } from "./support/bed";

jest.setTimeout(480_000);

const NS = "self";
const CORE = "cluster.x-k8s.io/v1beta2";
let bed: Bed;
let child: ControlPlane;
const capi: CapiManager[] = [];
const sims: MachineSimulator[] = [];
let stays: readonly string[];

type Machine = KubeObject & { spec: { providerID?: string }; status?: { nodeRef?: { name: string } } };
const machines = async (cp: ControlPlane) => (await cp.client.list(CORE, "Machine", { namespace: NS })) as Machine[];
/** Machine name and providerID (what a move must keep), optionally with the UID (what must not change after). */
const identity = (ms: Machine[], withUid = false) =>
  ms
    .map(
      (m) =>
        `${m.metadata.name} ${m.spec.providerID}${withUid ? ` ${(m.metadata as unknown as { uid: string }).uid}` : ""}`,
    )
    .sort();

beforeAll(async () => {
  const [source, target, workload] = await startControlPlanes(3, { name: "capi-pivot" });
  child = workload!;
  bed = {
    source: source!,
    target: target!,
    types: discoveryTypes(loadCrds(CRD_SETS, { clusterctlLabels: true })),
    stop: async () => undefined,
  };
  await Promise.all([prepare(source!, "source"), prepare(target!, "target")]);
  capi.push(
    ...(await Promise.all([
      startCapi(source!, { clusterctlLabels: true }),
      startCapi(target!, { clusterctlLabels: true }),
    ])),
  );
  // The fixture goes through the source's webhooks; its Nodes exist in the workload cluster.
  const fixture = await loadInto(source!, {
    namespace: NS,
    endpoint: { host: "127.0.0.1", port: child.port },
    kubeconfig: child.kubeconfig,
  });
  stays = fixture.stays;
  for (const m of fixture.machines) {
    await child.client.apply(
      { apiVersion: "v1", kind: "Node", metadata: { name: m.name }, spec: { providerID: m.providerID } },
      { fieldManager: "kubelet" },
    );
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
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      },
      "kubelet",
    );
  }
  for (const cp of [source!, target!])
    sims.push(startMachineSimulator({ parent: cp.client, childOf: (c) => (c === "edge" ? child : undefined) }));
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await Promise.all(capi.map((c) => c.stop()));
  await Promise.all([bed?.source.stop(), bed?.target.stop(), child?.stop()]);
});

function diagnostics(): string {
  return [
    `source simulator:\n${sims[0]?.log.slice(-10).join("\n")}`,
    `target simulator:\n${sims[1]?.log.slice(-10).join("\n")}`,
    `target CAPI:\n${tail(capi[1]!.process.log, 20)}`,
  ].join("\n\n");
}

test("the source's own controllers leave the fixture as it is (it is a settled, provisioned cluster)", async () => {
  const before = identity(await machines(bed.source), true);
  await sleep(10_000);
  expect(identity(await machines(bed.source), true)).toEqual(before);
  // They did reconcile it: the Cluster reports the real controller's view.
  const c = await bed.source.client.get({ apiVersion: CORE, kind: "Cluster", name: "edge", namespace: NS });
  expect((c.status as { conditions?: { type: string }[] }).conditions?.map((x) => x.type)).toContain("Paused");
});

test("pivot with controllers on both sides; for 30 s after activation no Machine is created or replaced", async () => {
  const before = identity(await machines(bed.source));
  expect(before).toHaveLength(13);
  const r = await latticePivot(bed, NS);
  if (r.code !== 0) throw new Error(`pivot failed:\n${r.stdout}${r.stderr}\n\n${diagnostics()}`);
  // Quiesced waited for the source controller's Paused condition (it runs there).
  expect(r.stdout).toMatch(/phase Quiesced/);
  const activated = Date.now();
  const atActivation = identity(await machines(bed.target), true);
  expect(identity(await machines(bed.target))).toEqual(before); // same names and providerIDs
  while (Date.now() - activated < 30_000) {
    expect(identity(await machines(bed.target), true)).toEqual(atActivation); // none created or replaced
    await sleep(2_000);
  }
  const now = await machines(bed.target);
  expect(identity(now, true)).toEqual(atActivation);
  // The controllers run the copies: every Machine found its Node again (nodeRef rebuilt by the real
  // Machine controller through the moved kubeconfig Secret), and the target Cluster is Provisioned.
  expect({ nodeRefs: now.filter((m) => m.status?.nodeRef?.name === m.metadata.name).length, log: "" }).toEqual({
    nodeRefs: 13,
    log: "",
  });
  const cluster = await bed.target.client.get({ apiVersion: CORE, kind: "Cluster", name: "edge", namespace: NS });
  expect((cluster.spec as { paused?: boolean }).paused).toBeUndefined();
  expect((cluster.status as { phase?: string }).phase).toBe("Provisioned");
  // The source holds only what belongs to no Cluster.
  expect((await snapshot(bed.source, bed.types, NS)).map(kindName).sort()).toEqual([...stays].sort());
});
