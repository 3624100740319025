import fc from "fast-check";
import { negotiate } from "./version";

describe("negotiate", () => {
  it("uses the highest version both speak", () => {
    expect(negotiate({ max: 1, min: 1 })).toEqual({ ok: true, version: 1 });
    expect(negotiate({ max: 5, min: 1 }, { max: 3, min: 2 })).toEqual({ ok: true, version: 3 });
    expect(negotiate({ max: 0, min: 0 })).toEqual({ ok: true, version: 1 }); // unset fields: version 1
  });

  it("says which side to upgrade when the ranges do not meet", () => {
    const tooNew = negotiate({ max: 4, min: 3 }, { max: 2, min: 1 });
    expect(tooNew.ok || tooNew.reason).toMatch(/upgrade the cell/);
    const tooOld = negotiate({ max: 1, min: 1 }, { max: 3, min: 2 });
    expect(tooOld.ok || tooOld.reason).toMatch(/upgrade the agent/);
  });

  it("agrees iff the ranges overlap, on a version inside both", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 5 }),
        (pMin, pSpan, oMin, oSpan) => {
          const peer = { min: pMin, max: pMin + pSpan };
          const ours = { min: oMin, max: oMin + oSpan };
          const r = negotiate(peer, ours);
          const overlap = peer.min <= ours.max && ours.min <= peer.max;
          if (!overlap) return !r.ok;
          return r.ok && r.version >= Math.max(peer.min, ours.min) && r.version <= Math.min(peer.max, ours.max);
        },
      ),
    );
  });
});
