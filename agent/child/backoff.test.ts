import fc from "fast-check";
import { Backoff } from "./backoff";

describe("Backoff", () => {
  it("stays within [0, min(max, base·2^n)] for every draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 80 }),
        (base, extra, draws) => {
          const max = base + extra;
          let i = 0;
          const b = new Backoff({ baseMs: base, maxMs: max }, () => draws[i % draws.length]!);
          for (let n = 0; n < draws.length; n++, i++) {
            const window = Math.min(max, base * 2 ** n);
            const d = b.next();
            if (!(d >= 0 && d <= window && d <= max)) return false;
          }
          return true;
        },
      ),
    );
  });

  it("widens exponentially to the cap, and reset starts over", () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 }, () => 0.5);
    expect([
      b.window(),
      (b.next(), b.window()),
      (b.next(), b.window()),
      (b.next(), b.window()),
      (b.next(), b.window()),
    ]).toEqual([100, 200, 400, 800, 1000]);
    for (let k = 0; k < 100; k++) b.next();
    expect(b.window()).toBe(1000);
    b.reset();
    expect(b.window()).toBe(100);
  });

  it("is jittered: draws span the window rather than repeat one value", () => {
    const b = new Backoff({ baseMs: 1000, maxMs: 1000 });
    const delays = new Set(Array.from({ length: 50 }, () => b.next()));
    expect(delays.size).toBeGreaterThan(40);
  });

  it("refuses a window that cannot work", () => {
    expect(() => new Backoff({ baseMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
