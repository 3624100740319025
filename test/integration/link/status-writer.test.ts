// The cell's ClusterLink status writer against a real parent API server: coalescing (one write per
// cluster for a burst of changes), ownership of "connected" by the newest session — within one
// cell and across two cells writing the same ClusterLinks — and the heartbeat refresh.
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { KubeClient } from "../../../kube/client";
import { installLinkCrds } from "../../../agent/deploy/crds";
import { ensureNamespace } from "../../../agent/api/namespace";
import {
  CELL_FIELD_MANAGER,
  LINK_API_VERSION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  type ClusterLink,
} from "../../../agent/api/types";
import { microTime } from "../../../agent/cell/lease";
import { sweepLostCells } from "../../../agent/cell/lost-cells";
import { LinkStatusWriter } from "../../../agent/cell/status";
import { ClusterLinkIndex } from "../../../agent/cell/links";
import { memoryLogger } from "../../../agent/log";
import { eventually } from "../../../agent/testkit/wait";
import type { Hello__Output } from "../../../agent/protocol/load";

jest.setTimeout(90_000);

/** A real client that counts its status writes. */
class CountingClient extends KubeClient {
  statusWrites = 0;
  override async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    if (method === "PATCH" && path.includes("/status")) this.statusWrites++;
    return super.request<T>(method, path, body, contentType);
  }
}

const hello: Hello__Output = {
  protocolVersion: 1,
  minProtocolVersion: 1,
  agentVersion: "t",
  kubernetesVersion: "v1.35.0",
  capabilities: ["status"],
  fipsMode: false,
  instance: "i",
};
const health = (ready: number) => ({
  nodesReady: ready,
  nodesTotal: 3,
  controlPlaneReady: true,
  machinePhases: {},
  observedUnixMs: Date.now(),
});

describe("ClusterLink status writer (real API server)", () => {
  let parent: ControlPlane;
  let kube: CountingClient;
  let index: ClusterLinkIndex;
  const writers: LinkStatusWriter[] = [];
  const indexes: ClusterLinkIndex[] = [];
  const ns = "lattice-system";
  const read = (name: string) =>
    kube.get<ClusterLink>({ apiVersion: LINK_API_VERSION, kind: "ClusterLink", namespace: ns, name });
  // ClusterLinks exist from the moment a cluster's token is issued (issueBootstrapToken makes them).
  const link = async (name: string) => {
    await parent.client.apply({
      apiVersion: LINK_API_VERSION,
      kind: "ClusterLink",
      metadata: { name, namespace: ns },
      spec: { cluster: name },
    });
    await eventually(() => indexes.every((i) => i.get(name)), `${name} in the index`);
  };

  beforeAll(async () => {
    parent = await startControlPlane({ name: "status", controllerManager: false });
    await installLinkCrds(parent.client);
    await ensureNamespace(parent.client, ns);
    kube = new CountingClient(parent.client.access);
    index = await startIndex();
  }, 120_000);
  const startIndex = async () => {
    const i = new ClusterLinkIndex(kube, ns, memoryLogger());
    await i.start();
    indexes.push(i);
    return i;
  };
  afterAll(async () => {
    for (const w of writers) w.stop();
    for (const i of indexes) await i.stop();
    kube?.close();
    await stopAll();
  });
  const writer = (
    opts: Partial<{ refreshMs: number; qps: number; burst: number; onStale: (c: string, s: string) => void }> = {},
    cell = "cell-a",
    idx = index,
  ) => {
    const w = new LinkStatusWriter(kube, ns, cell, idx, {
      refreshMs: 60_000,
      qps: 5,
      burst: 2,
      log: memoryLogger(),
      ...opts,
    });
    writers.push(w);
    w.start();
    return w;
  };

  it("coalesces a burst of changes into few writes", async () => {
    for (let i = 0; i < 20; i++) await link(`burst-${i}`);
    const w = writer();
    const before = kube.statusWrites;
    for (let i = 0; i < 20; i++) {
      w.connected(`burst-${i}`, { sessionId: `s${i}`, hello, protocolVersion: 1, connectedAtMs: Date.now() });
      w.health(`burst-${i}`, health(1));
      w.health(`burst-${i}`, health(2));
    }
    await w.flush(60_000);
    for (let i = 0; i < 20; i++) {
      const l = await read(`burst-${i}`);
      expect(l.status).toMatchObject({
        connected: true,
        cell: "cell-a",
        sessionId: `s${i}`,
        health: { nodesReady: 2, nodesTotal: 3 },
      });
    }
    // Three changes per cluster, coalesced: at most one write per change, usually one per cluster.
    expect(kube.statusWrites - before).toBeLessThanOrEqual(20 * 3);
    expect(kube.statusWrites - before).toBeGreaterThanOrEqual(20);
  });

  it("never recreates a ClusterLink that was deleted (a deprovisioned cluster)", async () => {
    await link("gone");
    const w = writer();
    w.connected("gone", { sessionId: "s", hello, protocolVersion: 1, connectedAtMs: Date.now() });
    await w.flush(30_000);
    expect((await read("gone")).status).toMatchObject({ connected: true });
    await parent.client.delete({ apiVersion: LINK_API_VERSION, kind: "ClusterLink", namespace: ns, name: "gone" });
    w.disconnected("gone", "s");
    await w.flush(30_000);
    expect(
      await parent.client.getOrUndefined({
        apiVersion: LINK_API_VERSION,
        kind: "ClusterLink",
        namespace: ns,
        name: "gone",
      }),
    ).toBeUndefined();
  });

  it("lets only the newest session mark its cluster disconnected", async () => {
    await link("owned");
    const w = writer();
    w.connected("owned", { sessionId: "old", hello, protocolVersion: 1, connectedAtMs: Date.now() - 1000 });
    w.connected("owned", { sessionId: "new", hello, protocolVersion: 1, connectedAtMs: Date.now() });
    w.disconnected("owned", "old");
    await w.flush(30_000);
    expect((await read("owned")).status).toMatchObject({ connected: true, sessionId: "new" });
    w.disconnected("owned", "new");
    await w.flush(30_000);
    const st = (await read("owned")).status!;
    expect(st.connected).toBe(false);
    expect(st.disconnectedTime).toBeDefined();
  });

  it("two cells: an older stream never overwrites a newer one's status, nor undoes it, and learns it is stale", async () => {
    await link("moved");
    const other = await startIndex();
    const stale: string[] = [];
    const a = writer({ qps: 50, burst: 50, onStale: (c, s) => stale.push(`${c}/${s}`) }, "cell-a");
    const b = writer({ qps: 50, burst: 50 }, "cell-b", other);
    const t = Date.now();
    // The agent was on cell-a, then reconnected to cell-b; cell-b's write lands first.
    b.connected("moved", { sessionId: "on-b", hello, protocolVersion: 1, connectedAtMs: t });
    await b.flush(30_000);
    a.connected("moved", { sessionId: "on-a", hello, protocolVersion: 1, connectedAtMs: t - 5000 });
    await a.flush(30_000);
    expect((await read("moved")).status).toMatchObject({ connected: true, cell: "cell-b", sessionId: "on-b" });
    expect(stale).toEqual(["moved/on-a"]);
    // cell-a's old stream ends: nothing of its own is on record, so nothing is written.
    a.disconnected("moved", "on-a");
    await a.flush(30_000);
    expect((await read("moved")).status).toMatchObject({ connected: true, cell: "cell-b" });
    // And the newer holder's own disconnect is recorded.
    b.disconnected("moved", "on-b");
    await b.flush(30_000);
    expect((await read("moved")).status).toMatchObject({ connected: false, cell: "cell-b", sessionId: "on-b" });
  });

  it("a write against a stale resourceVersion is refused by the API server, read again and judged again", async () => {
    await link("raced");
    let known = index.get("raced")!; // what a replica knew before someone else wrote
    await parent.client.applyStatus(
      {
        apiVersion: LINK_API_VERSION,
        kind: "ClusterLink",
        metadata: { name: "raced", namespace: ns },
        status: {
          connected: true,
          cell: "cell-z",
          sessionId: "z",
          connectedTime: new Date(Date.now() + 60_000).toISOString(),
        },
      },
      "someone-else",
    );
    const stale: string[] = [];
    const seen: string[] = [];
    const w = new LinkStatusWriter(
      kube,
      ns,
      "cell-a",
      {
        get: () => known,
        observe: (_c, r) => {
          seen.push(r.holder?.cell ?? "");
          known = r;
        },
      },
      { refreshMs: 60_000, qps: 50, burst: 50, log: memoryLogger(), onStale: (c) => stale.push(c) },
    );
    writers.push(w);
    w.connected("raced", { sessionId: "a1", hello, protocolVersion: 1, connectedAtMs: Date.now() });
    await w.flush(30_000);
    // Refused (409), read again: cell-z's newer stream is on record, so ours is stale and not written.
    expect(w.conflicts).toBe(1);
    expect(seen).toEqual(["cell-z"]);
    expect(stale).toEqual(["raced"]);
    expect((await read("raced")).status).toMatchObject({ cell: "cell-z", sessionId: "z" });
  });

  it("the leader's sweep: clusters of a cell gone past its grace are marked disconnected, except those it holds", async () => {
    const lease = (name: string, renewedMsAgo: number) =>
      parent.client.apply({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: `lattice-cell-${name}`, namespace: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
        spec: { holderIdentity: name, leaseDurationSeconds: 30, renewTime: microTime(Date.now() - renewedMsAgo) },
      });
    await lease("dead", 15 * 60_000); // expired 14.5 min ago: past the grace and the retention
    await lease("live", 0);
    const held = async (cluster: string, cell: string) => {
      await link(cluster);
      await parent.client.applyStatus(
        {
          apiVersion: LINK_API_VERSION,
          kind: "ClusterLink",
          metadata: { name: cluster, namespace: ns },
          status: { connected: true, cell, sessionId: `${cluster}-s`, connectedTime: new Date().toISOString() },
        },
        CELL_FIELD_MANAGER,
      );
      await eventually(() => index.get(cluster)?.holder?.cell === cell, `${cluster} held by ${cell} in the index`);
    };
    await held("orphan", "dead");
    await held("coming-back", "dead"); // its agent is already on the sweeping replica, status not yet written
    await held("fine", "live");
    const marked = await sweepLostCells(kube, ns, index, "sweeper", {
      graceMs: 60_000,
      leaseRetentionMs: 10 * 60_000,
      maxWrites: 100,
      holds: (c) => c === "coming-back",
      log: memoryLogger(),
    });
    // (Earlier tests' clusters name cells with no Lease at all: gone too, and marked with them.)
    expect(marked).toBeGreaterThanOrEqual(1);
    expect((await read("orphan")).status).toMatchObject({ connected: false, cell: "dead" });
    expect((await read("orphan")).status?.disconnectedTime).toBeDefined();
    expect((await read("coming-back")).status).toMatchObject({ connected: true });
    expect((await read("fine")).status).toMatchObject({ connected: true });
    const leases = await parent.client.list("coordination.k8s.io/v1", "Lease", { namespace: ns });
    expect(leases.map((l) => l.metadata.name).sort()).toEqual(["lattice-cell-live"]);
  });

  it("refreshes lastHeartbeatTime while heartbeats arrive", async () => {
    await link("beating");
    const w = writer({ refreshMs: 300, qps: 50, burst: 50 });
    w.connected("beating", { sessionId: "s", hello, protocolVersion: 1, connectedAtMs: Date.now() });
    await w.flush(30_000);
    const first = Date.parse((await read("beating")).status!.lastHeartbeatTime!);
    const later = first + 5_000;
    w.heartbeat("beating", later);
    await eventually(
      async () => Date.parse((await read("beating")).status?.lastHeartbeatTime ?? "0") === later,
      "refreshed heartbeat",
      20_000,
    );
  });
});
