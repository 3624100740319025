// The journal's model: phase order and what may roll back, entry round trips, history, the lease.
import {
  canRollBack,
  enter,
  fromJournalEntry,
  HISTORY_LIMIT,
  journalName,
  leaseVerdict,
  PHASES,
  phaseIndex,
  toJournalEntry,
} from "./journal";
import type { PlanEntry } from "./model";

describe("phases", () => {
  it("are in the documented order", () => {
    expect(PHASES).toEqual([
      "Planned",
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
      "Completed",
    ]);
    expect(phaseIndex("RollingBack")).toBe(-1);
  });
  it("allow a rollback only before the fence", () => {
    expect(PHASES.filter(canRollBack)).toEqual([
      "Planned",
      "Preflighted",
      "Paused",
      "Quiesced",
      "Frozen",
      "Copying",
      "Verified",
    ]);
    expect(canRollBack("RollingBack")).toBe(true);
    expect(canRollBack("Aborted")).toBe(false);
  });
});

describe("entries", () => {
  it("round-trip a plan entry (namespaced and global)", () => {
    const e: PlanEntry = {
      group: "cluster.x-k8s.io",
      kind: "Machine",
      namespace: "ns",
      name: "m",
      apiVersion: "cluster.x-k8s.io/v1beta2",
      sourceUid: "u",
      digest: "d".repeat(64),
      order: 3,
      deleteFromSource: true,
      global: false,
    };
    expect(fromJournalEntry(toJournalEntry(e))).toEqual(e);
    const g: PlanEntry = {
      group: "",
      kind: "Secret",
      name: "s",
      apiVersion: "v1",
      sourceUid: "u2",
      digest: "d",
      order: 0,
      deleteFromSource: false,
      global: true,
    };
    expect(fromJournalEntry(toJournalEntry(g))).toEqual(g);
  });
  it("hold identities and digests only", () => {
    const e: PlanEntry = {
      group: "",
      kind: "Secret",
      namespace: "ns",
      name: "s",
      apiVersion: "v1",
      sourceUid: "u",
      digest: "d",
      order: 0,
      deleteFromSource: true,
      global: false,
    };
    expect(Object.keys(toJournalEntry(e)).sort()).toEqual([
      "apiVersion",
      "delete",
      "digest",
      "kind",
      "name",
      "namespace",
      "order",
      "uid",
    ]);
  });
  it("journal names cannot collide between a namespace and a cluster", () => {
    expect(journalName("a-b", "c")).not.toBe(journalName("a", "b-c"));
    expect(journalName("ns")).toBe("ns");
  });
});

describe("enter", () => {
  it("appends history (bounded) and renews the lease", () => {
    let s = { phase: "Planned" as const, holder: "", renewTime: "", leaseSeconds: 30, attempts: 1 } as Parameters<
      typeof enter
    >[0];
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = enter(s, "Copying", "me", new Date(1000 * i));
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect([s.phase, s.holder, s.renewTime]).toEqual([
      "Copying",
      "me",
      new Date(1000 * (HISTORY_LIMIT + 4)).toISOString(),
    ]);
  });
});

describe("leaseVerdict", () => {
  const now = new Date("2026-12-01T00:01:00Z");
  const lease = (holder: string, renewTime: string) => ({ holder, renewTime, leaseSeconds: 30 });
  it.each<[string, ReturnType<typeof lease> | undefined, boolean, string]>([
    ["no journal status", undefined, false, "free"],
    ["released", lease("", "2026-12-01T00:00:59Z"), false, "free"],
    ["mine", lease("me", "2026-12-01T00:00:59Z"), false, "free"],
    ["renewed 10 s ago by a live holder", lease("other", "2026-12-01T00:00:50Z"), false, "held"],
    ["renewed 10 s ago by a dead holder", lease("other", "2026-12-01T00:00:50Z"), true, "holder-dead"],
    ["renewed 31 s ago", lease("other", "2026-12-01T00:00:29Z"), false, "expired"],
    ["unreadable renewTime", lease("other", "never"), false, "expired"],
  ])("%s → %s", (_, status, dead, want) => expect(leaseVerdict(status, "me", now, () => dead)).toBe(want));
});
