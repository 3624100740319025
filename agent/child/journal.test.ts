import { JOURNAL_CAPACITY, MemoryJournal } from "./journal";

const result = (id: string, extra = {}) => ({ commandId: id, outcome: "SUCCEEDED" as const, ...extra });

describe("command journal", () => {
  it("tracks running, finished and acknowledged commands", async () => {
    const j = new MemoryJournal();
    j.begin("a");
    expect(j.isRunning("a")).toBe(true);
    await j.finish("a", result("a"));
    expect(j.isRunning("a")).toBe(false);
    expect(j.get("a")?.result.commandId).toBe("a");
    expect(j.unacknowledged().map((r) => r.commandId)).toEqual(["a"]);
    await j.acknowledge("a");
    expect(j.unacknowledged()).toEqual([]);
    expect(j.get("a")?.acked).toBe(true); // still remembered: a late duplicate is answered, not executed
  });

  it("keeps a bounded number of entries, dropping acknowledged ones first", async () => {
    const j = new MemoryJournal();
    await j.finish("unacked", result("unacked"));
    for (let i = 0; i < JOURNAL_CAPACITY + 10; i++) {
      await j.finish(`c${i}`, result(`c${i}`));
      await j.acknowledge(`c${i}`);
    }
    expect(j.get("unacked")).toBeDefined();
    expect(j.get("c0")).toBeUndefined();
    expect(j.get(`c${JOURNAL_CAPACITY + 9}`)).toBeDefined();
  });

  it("bounds the size of a stored result", async () => {
    const j = new MemoryJournal();
    const objects = Array.from({ length: 400 }, (_, i) => ({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "d",
      name: `s${i}`,
      action: "APPLIED" as const,
      message: "x".repeat(40),
    }));
    await j.finish("big", result("big", { objects }));
    const kept = j.get("big")!.result;
    expect(kept.objects).toEqual([]);
    expect(kept.message).toMatch(/detail of 400 objects dropped/);
  });
});
