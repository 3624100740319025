// The crash hook: parsing, counting, and a crash that stops every later request of the run.
import { MutationCounter, PivotCrash, parseFault } from "./fault";
import { holderIsDead, newHolder, setRunLive } from "./journal-store";
import { inOrder } from "./pool";

describe("parseFault", () => {
  it.each([
    ["before:3", { when: "before", n: 3, kill: false }],
    ["after:12:kill", { when: "after", n: 12, kill: true }],
    ["", undefined],
    [undefined, undefined],
  ])("%s", (text, want) => expect(parseFault(text)).toEqual(want));
  it.each(["before:0", "after", "during:3", "after:3:stop"])("refuses %s", (text) =>
    expect(() => parseFault(text)).toThrow(/LATTICE_PIVOT_FAULT/),
  );
});

describe("MutationCounter", () => {
  const sent: number[] = [];
  const send = (i: number) => async () => {
    sent.push(i);
    return i;
  };
  beforeEach(() => (sent.length = 0));

  it("counts and passes results through without a fault", async () => {
    const c = new MutationCounter();
    expect(await c.around(() => "a", send(1))).toBe(1);
    expect(await c.around(() => "b", send(2))).toBe(2);
    expect([c.count, c.trace, sent]).toEqual([2, ["a", "b"], [1, 2]]);
  });

  it("before:n does not send the n-th, and nothing after it", async () => {
    const c = new MutationCounter({ when: "before", n: 2, kill: false });
    await c.around(() => "1", send(1));
    await expect(c.around(() => "2", send(2))).rejects.toBeInstanceOf(PivotCrash);
    await expect(c.around(() => "3", send(3))).rejects.toBeInstanceOf(PivotCrash);
    expect(sent).toEqual([1]);
  });

  it("after:n sends the n-th, then crashes; requests issued meanwhile are not sent", async () => {
    const c = new MutationCounter({ when: "after", n: 1, kill: false });
    const first = c.around(() => "1", send(1));
    const second = c.around(() => "2", send(2)); // issued while the first is in flight
    await expect(first).rejects.toBeInstanceOf(PivotCrash);
    await expect(second).rejects.toBeInstanceOf(PivotCrash);
    expect(sent).toEqual([1]);
  });
});

describe("lease holders", () => {
  it("a run of this process is alive while it runs, dead after", () => {
    const h = newHolder();
    setRunLive(h, true);
    expect(holderIsDead(h)).toBe(false);
    setRunLive(h, false);
    expect(holderIsDead(h)).toBe(true);
  });
  it("a process of this host that does not exist is dead; another host is never assumed dead", () => {
    const host = newHolder().split(":").slice(0, -2).join(":");
    expect(holderIsDead(`${host}:999999999:abcd`)).toBe(true);
    expect(holderIsDead(`${host}:1:abcd`)).toBe(false); // pid 1 exists
    expect(holderIsDead("elsewhere.example:1234:abcd")).toBe(false);
  });
});

describe("inOrder", () => {
  it("starts work in list order with bounded parallelism, and a crash wins over other errors", async () => {
    const started: number[] = [];
    const res = await inOrder([1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await new Promise((r) => setTimeout(r, 6 - x));
      return x * 10;
    });
    expect([started, res]).toEqual([
      [1, 2, 3, 4, 5],
      [10, 20, 30, 40, 50],
    ]);
    const err = await inOrder([1, 2], 2, async (x) => {
      if (x === 1) throw new Error("plain");
      await new Promise((r) => setTimeout(r, 5));
      throw new PivotCrash("crash");
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PivotCrash);
  });
});
