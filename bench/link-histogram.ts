// The heartbeat round-trip histogram shared by bench/link.ts and its workers: 0.1 ms buckets up to
// 10 s (the last bucket holds everything slower), sent between processes as a sparse object.

export const BUCKETS_PER_MS = 10;
export const BUCKET_COUNT = 100_000;

/** The bucket of a round trip. */
export function bucketOf(ms: number): number {
  return Math.min(BUCKET_COUNT - 1, Math.floor(ms * BUCKETS_PER_MS));
}

/** The p-quantile (0..1) of merged sparse histograms, as the upper edge of its bucket in ms. */
export function percentile(hist: ReadonlyMap<number, number>, p: number): number {
  let total = 0;
  for (const n of hist.values()) total += n;
  const target = Math.ceil(total * p);
  let seen = 0;
  for (const b of [...hist.keys()].sort((x, y) => x - y)) {
    seen += hist.get(b)!;
    if (seen >= target) return Math.round(((b + 1) / BUCKETS_PER_MS) * 100) / 100;
  }
  return NaN;
}
