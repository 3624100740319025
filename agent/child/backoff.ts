// Reconnect delays: exponential with full jitter (delay = random(0, min(max, base·2^attempt))).
// Full jitter spreads thousands of agents that lost the same cell over the whole window instead of
// having them return in synchronized waves; the cap keeps an agent that has been away for hours
// coming back within `maxMs` of the cell's return. Forever: there is no attempt limit.

/** Bounds of the backoff. */
export interface BackoffPolicy {
  /** The window of the first retry. */
  baseMs: number;
  /** The largest window (and so the longest delay). */
  maxMs: number;
}

/**
 * 1 s doubling to 30 s: an agent that lost its cell is back within ~30 s of the cell's return
 * however long it was away. Retrying that often is cheap for the cell: a dead address refuses
 * in the kernel, and a live cell queues handshakes rather than failing them (cell/front-door.ts).
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };

/** Successive delays for one agent. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {
    if (!(policy.baseMs > 0 && policy.maxMs >= policy.baseMs))
      throw new RangeError(`backoff needs 0 < base (${policy.baseMs}) <= max (${policy.maxMs})`);
  }

  /** The window the next delay is drawn from. */
  window(): number {
    // 2^attempt overflows nothing: the exponent stops growing once the window reached the cap.
    return Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** Math.min(this.attempt, 40));
  }

  /** The next delay, in [0, window]; widens the window for the one after. */
  next(): number {
    const delay = Math.floor(this.random() * this.window());
    this.attempt++;
    return delay;
  }

  /** After a healthy connection: start again from the base window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
