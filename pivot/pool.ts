// Bounded parallelism that issues work in list order: the i-th call always starts after the
// (i-1)-th, so the n-th mutating request of a batch is the same object on every run (the crash
// matrix relies on it). Results come back in list order.

/** Run fn over items, at most `limit` at a time; rejects with the first error once all started ones settle. */
export async function inOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        // The simulated crash wins over any other error: nothing may mask it.
        if (!failed || (e instanceof Error && e.name === "PivotCrash")) failed = { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
  return results;
}

/** How many requests the mover keeps in flight per cluster (the client's socket pool is 16). */
export const PARALLEL = 16;
