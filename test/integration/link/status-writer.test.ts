// The cell's ClusterLink status writer against a real parent API server: coalescing (one write per
// cluster for a burst of changes), ownership of "connected" by the newest session, and the
// heartbeat refresh.
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { KubeClient } from "../../../kube/client";
import type { KubeObject } from "../../../core/k8s/object";
import { installLinkCrds } from "../../../agent/deploy/crds";
import { ensureNamespace } from "../../../agent/api/namespace";
import { LINK_API_VERSION, type ClusterLink } from "../../../agent/api/types";
import { LinkStatusWriter } from "../../../agent/cell/status";
import { memoryLogger } from "../../../agent/log";
import { eventually } from "../../../agent/testkit/wait";
import type { Hello__Output } from "../../../agent/protocol/load";

jest.setTimeout(90_000);

/** A real client that counts its status writes. */
class CountingClient extends KubeClient {
  statusWrites = 0;
  override async applyStatus<T extends KubeObject = KubeObject>(obj: KubeObject, fieldManager: string): Promise<T> {
    this.statusWrites++;
    return super.applyStatus<T>(obj, fieldManager);
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
  const writers: LinkStatusWriter[] = [];
  const ns = "lattice-system";
  const read = (name: string) =>
    kube.get<ClusterLink>({ apiVersion: LINK_API_VERSION, kind: "ClusterLink", namespace: ns, name });
  // ClusterLinks exist from the moment a cluster's token is issued (issueBootstrapToken makes them).
  const link = (name: string) =>
    parent.client.apply({
      apiVersion: LINK_API_VERSION,
      kind: "ClusterLink",
      metadata: { name, namespace: ns },
      spec: { cluster: name },
    });

  beforeAll(async () => {
    parent = await startControlPlane({ name: "status", controllerManager: false });
    await installLinkCrds(parent.client);
    await ensureNamespace(parent.client, ns);
    kube = new CountingClient(parent.client.access);
  }, 120_000);
  afterAll(async () => {
    for (const w of writers) w.stop();
    kube?.close();
    await stopAll();
  });
  const writer = (opts: Partial<{ refreshMs: number; qps: number; burst: number }> = {}) => {
    const w = new LinkStatusWriter(kube, ns, "cell-a", {
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
      w.connected(`burst-${i}`, { sessionId: `s${i}`, hello, protocolVersion: 1 });
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
    w.connected("gone", { sessionId: "s", hello, protocolVersion: 1 });
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
    w.connected("owned", { sessionId: "old", hello, protocolVersion: 1 });
    w.connected("owned", { sessionId: "new", hello, protocolVersion: 1 });
    w.disconnected("owned", "old");
    await w.flush(30_000);
    expect((await read("owned")).status).toMatchObject({ connected: true, sessionId: "new" });
    w.disconnected("owned", "new");
    await w.flush(30_000);
    const st = (await read("owned")).status!;
    expect(st.connected).toBe(false);
    expect(st.disconnectedTime).toBeDefined();
  });

  it("refreshes lastHeartbeatTime while heartbeats arrive", async () => {
    await link("beating");
    const w = writer({ refreshMs: 300, qps: 50, burst: 50 });
    w.connected("beating", { sessionId: "s", hello, protocolVersion: 1 });
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
