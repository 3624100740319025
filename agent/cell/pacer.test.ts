import { defaultPacerOptions, HeartbeatPacer } from "./pacer";

describe("HeartbeatPacer", () => {
  const pacer = () => new HeartbeatPacer({ baseMs: 1000, maxMs: 5000, high: 0.9, low: 0.6, factor: 1.5 });
  // Observations far enough apart that no hold is in force (holds are tested separately).
  const apart = (p: HeartbeatPacer, us: number[], from = 0) => us.map((u, i) => p.observe(u, from + (i + 1) * 100_000));

  it("asks for the base interval while the cell has room", () => {
    const p = pacer();
    expect(apart(p, [0, 0.3, 0.59])).toEqual([1000, 1000, 1000]);
    expect(p.shedding).toBe(false);
    expect(p.saturated).toBe(false);
  });

  it("lengthens the interval by the factor each saturated period, up to the maximum", () => {
    const p = pacer();
    expect(apart(p, [0.95, 0.95, 0.95, 0.95, 0.95])).toEqual([1500, 2250, 3375, 5000, 5000]);
    expect(p.shedding).toBe(true);
    expect(p.saturated).toBe(true);
  });

  it("holds between the thresholds, then shortens back to the base, never below it", () => {
    const p = pacer();
    expect(apart(p, [0.95, 0.95, 0.75, 0.2, 0.2, 0.2])).toEqual([1500, 2250, 2250, 1500, 1000, 1000]);
    expect(p.saturated).toBe(false);
    expect(p.shedding).toBe(false);
  });

  it("after a change, waits one cycle of the longer interval before the next (agents learn it from their next ack)", () => {
    const p = pacer();
    expect(p.observe(0.95, 0)).toBe(1500);
    expect(p.observe(0.95, 1000)).toBe(1500); // held: agents have not all heard of 1500 yet
    expect(p.observe(0.95, 1500)).toBe(2250);
    expect(p.observe(0.1, 3000)).toBe(2250); // held until 1500 + 2250
    expect(p.observe(0.1, 3750)).toBe(1500);
  });

  it("judges silence by the longest interval asked in its last two cycles, not the current one", () => {
    const p = pacer();
    p.observe(0.95, 0); // 1500
    p.observe(0.95, 2000); // 2250
    p.observe(0.95, 5000); // 3375
    expect(p.observe(0.1, 10_000)).toBe(2250);
    expect(p.observe(0.1, 13_375)).toBe(1500);
    // An agent still on 3375 ms learns the shorter interval only with its next ack.
    expect(p.silenceBasisMs(13_400)).toBe(3375);
    expect(p.silenceBasisMs(10_000 + 2 * 3375 + 6750)).toBe(1500);
  });

  it("defaults allow up to 30 times the base, at least 30 s", () => {
    expect(defaultPacerOptions(1000).maxMs).toBe(30_000);
    expect(defaultPacerOptions(10_000).maxMs).toBe(300_000);
  });
});
