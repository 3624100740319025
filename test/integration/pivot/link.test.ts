// A pivot over the agent link, run by the cell (design §3.9): a real parent and child API server,
// `lattice cell` and `lattice agent` as separate processes, the agent running as its ServiceAccount
// with the RBAC the bootstrap installs (agent/deploy/rbac.ts). The provider's request is a
// ClusterPivot with no status (pivot/request.ts); the cell's controller fills in the child's
// identity, runs the mover with the LinkTarget, and every step is an AgentCommand.
//
// The cell is SIGKILLed right after it records each phase (LATTICE_PIVOT_KILL_AT, every boundary
// from Preflighted to Tidy) and started again: after each kill the invariants hold (never both
// Clusters active, nothing lost), and the last start converges to Completed with the child holding
// every planned object and the parent none. No AgentCommand ever holds Secret data.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { enqueueCommand, waitForResult } from "../../../agent/api/commands";
import { installLinkCrds, issueBootstrapToken } from "../../../agent/queue";
import { eventually } from "../../../agent/testkit/wait";
import { fromJournalEntry, type Phase } from "../../../core/pivot/journal";
import { CAPI, PIVOT, keyOf } from "../../../core/pivot/model";
import { digestOf } from "../../../core/pivot/normalise";
import type { KubeObject } from "../../../core/k8s/object";
import { readEntries } from "../../../pivot/read";
import { requestLinkPivot } from "../../../pivot/request";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { freePorts } from "../../harness/processes";
import { agentKubeconfig, bootstrapChild } from "../link/support/child";
import { startCell, startLattice, type LatticeProc } from "../link/support/procs";
import { JOURNAL_NS, loadInto, prepare, journal } from "./support/bed";

jest.setTimeout(420_000);

const NS = "capi-c1";
const CLUSTER = "c1";
const KILLS: Phase[] = [
  "Preflighted",
  "Paused",
  "Quiesced",
  "Frozen",
  "Copying",
  "Verified",
  "Fenced",
  "Activated",
  "SourceDeleting",
  "Tidy",
];

const paused = (o: KubeObject | undefined) => (o?.spec as { paused?: boolean } | undefined)?.paused === true;

describe("pivot over the link, run by the cell", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let agent: LatticeProc;
  const cells: LatticeProc[] = [];

  afterAll(async () => {
    await agent?.proc.stop();
    for (const c of cells) await c.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("converges through a SIGKILL of the cell at every phase boundary; the child ends with every object", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-pivot-link-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false }),
    ]);
    await Promise.all([prepare(parent, "source"), prepare(child, "target"), installLinkCrds(parent.client)]);
    // Fixed ports: the agent redials the address its bootstrap gave it.
    const [grpcPort, bootstrapPort] = (await freePorts(2)) as [number, number];
    const fixed = ["--listen", `127.0.0.1:${grpcPort}`, "--bootstrap-listen", `127.0.0.1:${bootstrapPort}`];
    const start = async (kill?: Phase) => {
      const c = await startCell(parent, dir, {
        host: "127.0.0.1",
        name: `cell-${cells.length}${kill ? `-${kill}` : ""}`,
        args: fixed,
        // A cell told to die may do so before it says it is ready.
        ...(kill ? { env: { LATTICE_PIVOT_KILL_AT: kill }, noWait: true } : {}),
      });
      cells.push(c);
      return c;
    };
    const exitOf = async (c: LatticeProc, what: string) => {
      const timer = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${what}: the cell is still running:\n${c.raw().slice(-3000)}`)),
          90_000,
        ).unref(),
      );
      return Promise.race([c.proc.exited, timer]);
    };
    let cell = await start();
    const grant = await issueBootstrapToken(parent.client, CLUSTER, { ttlSeconds: 600, capiNamespace: NS });
    const bs = await bootstrapChild(child, grant, dir);
    expect(bs.code).toBe(0);
    agent = startLattice(
      "agent",
      ["agent", "--kubeconfig", await agentKubeconfig(child, dir), "--backoff-base", "200ms", "--backoff-max", "1s"],
      dir,
    );
    await agent.waitFor((l) => l.msg === "link up", "link up", 60_000);
    const fixture = await loadInto(parent, { namespace: NS, cluster: CLUSTER, controlPlanes: 1, workers: 2 });
    const token = Buffer.from("fixture-token").toString("base64");
    await cell.proc.stop();

    // The provider's request; asking twice gives the same journal.
    const asked = await requestLinkPivot(parent.client, JOURNAL_NS, { namespace: NS, cluster: CLUSTER, link: CLUSTER });
    expect(
      (await requestLinkPivot(parent.client, JOURNAL_NS, { namespace: NS, cluster: CLUSTER, link: CLUSTER })).spec,
    ).toEqual(asked.spec);

    const readRoots = async () => {
      const [p, c] = await Promise.all(
        [parent, child].map((cp) =>
          cp.client.getOrUndefined({
            apiVersion: "cluster.x-k8s.io/v1beta2",
            kind: "Cluster",
            namespace: NS,
            name: CLUSTER,
          }),
        ),
      );
      return { p, c };
    };
    for (const phase of KILLS) {
      cell = await start(phase);
      await exitOf(cell, `killed at ${phase}`);
      const j = await journal(parent, `${NS}.${CLUSTER}`);
      expect(j?.status?.phase).toBe(phase);
      // I1: never both active; I2: before Activated the child's copy is paused (or absent).
      const { p, c } = await readRoots();
      expect(!!p && !paused(p) && !!c && !paused(c)).toBe(false);
      if (["Preflighted", "Paused", "Quiesced", "Frozen", "Copying", "Verified", "Fenced"].includes(phase))
        expect(!c || paused(c)).toBe(true);
    }
    cell = await start();
    const done = await eventually(
      async () => {
        const j = await journal(parent, `${NS}.${CLUSTER}`);
        if (j?.status?.phase !== "Completed") throw new Error(`at ${j?.status?.phase}: ${j?.status?.lastError ?? ""}`);
        return j;
      },
      "the pivot completed",
      120_000,
      250,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nlast cell:\n${cell.raw().slice(-5000)}`);
    });
    expect(done.spec.pivotId).toBe(asked.spec.pivotId);
    expect(done.status!.attempts).toBeGreaterThanOrEqual(KILLS.length + 1);
    expect(done.spec.target).toMatchObject({ mode: "link", link: CLUSTER });
    expect(done.spec.target.apiIdentity).toBe(
      (
        (await child.client.get({ apiVersion: "v1", kind: "Namespace", name: "kube-system" })).metadata as {
          uid?: string;
        }
      ).uid,
    );

    // The child holds every planned object as this pivot's copy with the frozen digest; the parent
    // holds none of those the plan deletes, and keeps what no mover may take.
    const plan = done.status!.plan!.map(fromJournalEntry);
    expect(plan.length).toBeGreaterThanOrEqual(20);
    const [inChild, inParent] = await Promise.all([readEntries(child.client, plan), readEntries(parent.client, plan)]);
    for (const e of plan) {
      const o = inChild.get(keyOf(e));
      expect({ key: keyOf(e), present: !!o }).toEqual({ key: keyOf(e), present: true });
      expect(o!.metadata.annotations?.[PIVOT.sourceUid]).toBe(e.sourceUid);
      expect(digestOf(o!)).toBe(e.digest);
      if (e.deleteFromSource)
        expect({ key: keyOf(e), left: inParent.has(keyOf(e)) }).toEqual({ key: keyOf(e), left: false });
    }
    const { p, c } = await readRoots();
    expect(p).toBeUndefined();
    expect(paused(c)).toBe(false);
    for (const k of fixture.stays) {
      const [kind, name] = k.split("/");
      expect(
        await parent.client.getOrUndefined({ apiVersion: "v1", kind: kind!, namespace: NS, name: name! }),
      ).toBeDefined();
      expect(
        await child.client.getOrUndefined({ apiVersion: "v1", kind: kind!, namespace: NS, name: name! }),
      ).toBeUndefined();
    }
    // Machines kept their names and providerIDs.
    for (const m of fixture.machines) {
      const o = inChild.get(keyOf({ group: CAPI.group, kind: "Machine", namespace: NS, name: m.name }));
      expect((o?.spec as { providerID?: string }).providerID).toBe(m.providerID);
    }
    // Secret data never sat in an AgentCommand (copies are rendered by the cell at send time).
    const commands = await parent.client.list("agent.lattice.dev/v1alpha1", "AgentCommand", { namespace: JOURNAL_NS });
    expect(commands.length).toBeGreaterThan(5);
    expect(JSON.stringify(commands)).not.toContain(token);
  });

  it("refuses pivot steps the journal does not admit: a finished pivot's remove, an unknown journal", async () => {
    const bad = [
      {
        journal: `${NS}.${CLUSTER}`,
        op: "remove" as const,
        objects: [{ apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster", name: CLUSTER, uid: "x" }],
      },
      { journal: "nope", op: "inventory" as const, kinds: [{ apiVersion: "v1", kind: "Secret" }] },
    ];
    for (const step of bad) {
      const h = await enqueueCommand(parent.client, CLUSTER, { kind: "pivot", step }, { namespace: JOURNAL_NS });
      const out = await waitForResult(parent.client, h, { timeoutMs: 30_000 });
      expect(out.phase).toBe("Rejected");
      expect(out.message).toMatch(step.journal === "nope" ? /does not exist/ : /not allowed while .* Completed/);
    }
    // The child's Cluster is untouched.
    const c = await child.client.get({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      namespace: NS,
      name: CLUSTER,
    });
    expect(c.metadata.labels?.[PIVOT.idLabel]).toBeDefined();
  });
});
