// Who may write a cluster's link status: the newest binding of the cluster, on any replica.
import { judge } from "./status";
import { recordOf, type LinkRecord } from "./links";

const rec = (holder?: LinkRecord["holder"]): LinkRecord => ({
  resourceVersion: "1",
  revokedBeforeMs: 0,
  ...(holder ? { holder } : {}),
});
const held = (cell: string, sessionId: string, connectedMs: number, connected = true) =>
  rec({ cell, sessionId, connectedMs, connected });

describe("judge", () => {
  it.each([
    ["nothing recorded: a new stream writes", { connected: true, sessionId: "s", connectedMs: 10 }, rec(), "write"],
    [
      "its own session recorded: writes",
      { connected: true, sessionId: "s", connectedMs: 10 },
      held("a", "s", 10),
      "write",
    ],
    ["its own disconnect: writes", { connected: false, sessionId: "s", connectedMs: 10 }, held("a", "s", 10), "write"],
    [
      "an older stream elsewhere: ours is newer, writes",
      { connected: true, sessionId: "s", connectedMs: 20 },
      held("b", "t", 10),
      "write",
    ],
    [
      "a newer stream elsewhere: ours is stale",
      { connected: true, sessionId: "s", connectedMs: 10 },
      held("b", "t", 20),
      "stale",
    ],
    [
      "a newer stream of ours: the old one is stale",
      { connected: true, sessionId: "old", connectedMs: 10 },
      held("a", "new", 20),
      "stale",
    ],
    [
      "a disconnect of what is not on record: nothing to undo",
      { connected: false, sessionId: "s", connectedMs: 30 },
      held("b", "t", 20),
      "skip",
    ],
    [
      "the same session id on another cell is not ours",
      { connected: false, sessionId: "s", connectedMs: 10 },
      held("b", "s", 10),
      "skip",
    ],
    ["no session yet: nothing to write", { connected: false, connectedMs: 0 }, rec(), "skip"],
  ] as const)("%s", (_what, st, r, verdict) => {
    expect(judge("a", st, r)).toBe(verdict);
  });
});

describe("recordOf", () => {
  it("keeps the resourceVersion, the revocation time and the holder; nothing else", () => {
    const r = recordOf({
      apiVersion: "agent.lattice.dev/v1alpha1",
      kind: "ClusterLink",
      metadata: { name: "c1", resourceVersion: "42" },
      spec: { cluster: "c1", revokedBefore: "2026-12-03T10:00:00Z" },
      status: {
        connected: true,
        cell: "cell-a",
        sessionId: "s1",
        connectedTime: "2026-12-03T09:00:00.000Z",
        agentVersion: "0.1.0",
      },
    });
    expect(r).toEqual({
      resourceVersion: "42",
      revokedBeforeMs: Date.parse("2026-12-03T10:00:00Z"),
      holder: { cell: "cell-a", sessionId: "s1", connectedMs: Date.parse("2026-12-03T09:00:00.000Z"), connected: true },
    });
    expect(
      recordOf({ apiVersion: "x", kind: "ClusterLink", metadata: { name: "c2" }, spec: { cluster: "c2" } }),
    ).toEqual({
      resourceVersion: "",
      revokedBeforeMs: 0,
    });
  });
});
