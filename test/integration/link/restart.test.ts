// Kill the cell mid-stream and start it again (same parent, same address): the agent comes back with
// bounded, jittered backoff; every command queued before, during and after the outage runs exactly
// once; a token issued before the restart still works, once; the child is not touched meanwhile.
// Processes on loopback (the network namespace case is e2e.test.ts).
//
// To make "applied twice" a real risk rather than a lucky timing, the child's API server is frozen
// (SIGSTOP) while a command executes: the agent has acknowledged it, the cell has recorded it as
// Delivered, and the cell is killed before any result can reach it. After the restart the new cell
// sends that command again — and the agent must answer from its journal instead of executing.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { freePorts } from "../../harness/processes";
import { BootstrapRefused, redeemBootstrapToken } from "../../../agent/child/bootstrap";
import { getCommand } from "../../../agent/api/commands";
import {
  enqueueCommand,
  installLinkCrds,
  issueBootstrapToken,
  readLinkStatus,
  waitForResult,
} from "../../../agent/queue";
import { eventually } from "../../../agent/testkit/wait";
import { agentKubeconfig, bootstrapChild } from "./support/child";
import { startCell, startLattice, type LatticeProc, type LogLine } from "./support/procs";

jest.setTimeout(180_000);

const CAPI_NS = "capi-c1";
const secret = (name: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: CAPI_NS, labels: { "cluster.x-k8s.io/cluster-name": "c1" } },
  stringData: { v: name },
});

describe("cell restart (processes on loopback)", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let agent: LatticeProc;
  const cells: LatticeProc[] = [];
  let childApiPid = 0;

  afterAll(async () => {
    if (childApiPid)
      try {
        process.kill(childApiPid, "SIGCONT");
      } catch {
        /* gone */
      }
    await agent?.proc.stop();
    for (const c of cells) await c.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the agent reconnects with bounded jittered backoff, no command is lost or applied twice, an earlier token works once, the child is untouched", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-restart-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false }),
    ]);
    await installLinkCrds(parent.client);
    const [grpcPort, bootstrapPort] = (await freePorts(2)) as [number, number];
    const fixed = ["--listen", `127.0.0.1:${grpcPort}`, "--bootstrap-listen", `127.0.0.1:${bootstrapPort}`];
    const startFixedCell = async (name: string) => {
      const c = await startCell(parent, dir, { host: "127.0.0.1", name, args: fixed });
      cells.push(c);
      return c;
    };
    let cell = await startFixedCell("cell-1");

    const grant = await issueBootstrapToken(parent.client, "c1", { ttlSeconds: 600, capiNamespace: CAPI_NS });
    const bs = await bootstrapChild(child, grant, dir);
    expect(bs.code).toBe(0);
    agent = startLattice(
      "agent",
      ["agent", "--kubeconfig", await agentKubeconfig(child, dir), "--backoff-base", "300ms", "--backoff-max", "2s"],
      dir,
    );
    await agent.waitFor((l) => l.msg === "link up", "link up");

    const before = await enqueueCommand(
      parent.client,
      "c1",
      { kind: "apply", objects: [secret("before")] },
      { name: "cmd-before" },
    );
    expect((await waitForResult(parent.client, before, { timeoutMs: 30_000 })).phase).toBe("Succeeded");
    const earlyToken = await issueBootstrapToken(parent.client, "c9", { ttlSeconds: 600 });
    // A workload in the child that nobody but its owner may change.
    await child.client.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "workload", namespace: "default" },
      data: { replicas: "3" },
    });
    const workloadRv = (
      await child.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "workload" })
    ).metadata as { resourceVersion?: string };

    // Freeze the child's API server, let the agent take a command, then kill the cell.
    childApiPid = child.processes.find((p) => p.name.endsWith("kube-apiserver"))!.pid;
    process.kill(childApiPid, "SIGSTOP");
    const during = await enqueueCommand(
      parent.client,
      "c1",
      { kind: "apply", objects: [secret("during")] },
      { name: "cmd-during" },
    );
    await eventually(
      async () => (await getCommand(parent.client, during)).status?.phase === "Delivered",
      "cmd-during delivered",
      30_000,
    );
    const killedAt = Date.now();
    process.kill(-cell.proc.pid, "SIGKILL");
    await cell.proc.exited;
    const whileDown = await enqueueCommand(
      parent.client,
      "c1",
      { kind: "apply", objects: [secret("while-down")] },
      { name: "cmd-while-down" },
    );
    process.kill(childApiPid, "SIGCONT");
    childApiPid = 0;

    // The agent backs off: windows double up to the cap, delays are drawn inside them (jitter).
    const retries = () =>
      agent.lines().filter((l) => l.msg === "link lost; reconnecting" && Date.parse(String(l.ts)) >= killedAt);
    await eventually(() => retries().length >= 5, "five reconnect attempts", 60_000);
    // Meanwhile the parent can tell the link is gone: the dead cell's Lease goes stale.
    await eventually(
      async () => (await readLinkStatus(parent.client, "c1")).state === "cell-lost",
      "link reported lost",
      30_000,
    );
    const attempts = retries();
    for (const r of attempts) {
      expect(Number(r.delayMs)).toBeGreaterThanOrEqual(0);
      expect(Number(r.delayMs)).toBeLessThanOrEqual(Number(r.windowMs));
      expect(Number(r.windowMs)).toBeLessThanOrEqual(2000);
    }
    expect(attempts.map((r) => Number(r.windowMs)).slice(0, 4)).toEqual([300, 600, 1200, 2000]);
    expect(new Set(attempts.map((r) => r.delayMs)).size).toBeGreaterThan(1);

    cell = await startFixedCell("cell-2");
    await agent.waitFor(() => agent.count((l) => l.msg === "link up") === 2, "second link up", 30_000);
    const results = await Promise.all(
      [during, whileDown].map((h) => waitForResult(parent.client, h, { timeoutMs: 30_000 })),
    );
    expect(results.map((r) => r.phase)).toEqual(["Succeeded", "Succeeded"]);

    // Exactly once each, and the re-sent command was answered from the journal.
    const executed = (id: string) => agent.count((l: LogLine) => l.msg === "command executed" && l.id === id);
    expect([before, during, whileDown].map((h) => executed(h.uid))).toEqual([1, 1, 1]);
    expect(
      agent.lines().some((l) => l.msg === "duplicate command answered from the journal" && l.id === during.uid),
    ).toBe(true);
    for (const name of ["before", "during", "while-down"]) {
      expect(
        await child.client.getOrUndefined({ apiVersion: "v1", kind: "Secret", namespace: CAPI_NS, name }),
      ).toBeDefined();
    }

    // The token issued before the restart: accepted once by the new cell, then refused.
    const redeem = () =>
      redeemBootstrapToken({
        url: `https://127.0.0.1:${bootstrapPort}`,
        caPem: earlyToken.caBundle,
        token: earlyToken.token,
        cluster: "c9",
      });
    expect((await redeem()).identity.cluster).toBe("c9");
    await expect(redeem()).rejects.toMatchObject({ constructor: BootstrapRefused, status: 403, code: "refused" });

    // Nothing in the child changed because the parent was gone.
    const workloadNow = (
      await child.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "workload" })
    ).metadata as { resourceVersion?: string };
    expect(workloadNow.resourceVersion).toBe(workloadRv.resourceVersion);
    expect((await readLinkStatus(parent.client, "c1")).state).toBe("connected");
  });
});
