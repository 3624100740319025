import { bucketOf, percentile } from "./link-histogram";

describe("round-trip histogram", () => {
  it("puts a round trip in its 0.1 ms bucket and reads quantiles from the bucket's upper edge", () => {
    const h = new Map<number, number>();
    for (const ms of [0.05, 0.31, 0.32, 1.0, 2.49, 7, 7, 7, 7, 120])
      h.set(bucketOf(ms), (h.get(bucketOf(ms)) ?? 0) + 1);
    expect(percentile(h, 0.5)).toBe(2.5);
    expect(percentile(h, 0.9)).toBe(7.1);
    expect(percentile(h, 0.99)).toBe(120.1);
    expect(bucketOf(1e9)).toBe(99_999);
  });
});
