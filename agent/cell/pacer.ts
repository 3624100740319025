// Heartbeat pacing: a cell that cannot keep up asks its agents to heartbeat less often, and asks for
// the configured interval again once it has room.
//
// Why: one heartbeat costs the cell about 130 µs of one core (gRPC, HTTP/2, TLS — measured with
// bench:link on a 2-core machine), so a cell process carries about 7,500 heartbeats a second. Past
// that, unpaced, every queue grows until answer timeouts fire on both ends and agents reconnect at
// once — the most expensive thing they can do, so the cell never recovers. Paced, the link stays
// up and heartbeats arrive less often (the interval is in the cell's stats and in every ack).
//
// Control: every period, read the event loop's utilization (ELU, the share of the period the loop
// was busy). Above `high` the interval grows by `factor` up to `maxMs`; below `low` it shrinks by
// the same factor down to the base. Between the two it holds, so it does not oscillate around one
// threshold. Agents adopt max(their own interval, the cell's ask) from their next HeartbeatAck, so a
// change takes one (old) interval to reach every agent. Hence two rules:
//  - after a change the pacer holds for one cycle of the longer of the two intervals, so it judges
//    the load the change produced, not the load before it reached the agents;
//  - silence is judged against the longest interval asked within the last two of its cycles
//    (`silenceBasisMs`): an agent still on the old, longer interval is not silent.

/** How the pacer steers. */
export interface PacerOptions {
  /** The configured interval (never asked below it). */
  baseMs: number;
  /** The longest interval ever asked for. */
  maxMs: number;
  /** Utilization above which the interval grows, and below which it shrinks. */
  high: number;
  low: number;
  /** Growth (and shrink) factor per period. */
  factor: number;
}

/** Defaults for a base interval: up to 30× the base (at least 30 s), grow above 90% busy, shrink below 60%. */
export function defaultPacerOptions(baseMs: number): PacerOptions {
  return { baseMs, maxMs: Math.max(30 * baseMs, 30_000), high: 0.9, low: 0.6, factor: 1.5 };
}

/** The heartbeat interval a cell asks for, steered by its own load. */
export class HeartbeatPacer {
  private current: number;
  private holdUntil = 0;
  private highWater: number;
  private highWaterUntil = 0;
  /** The last utilization read, for stats. */
  lastUtilization = 0;

  constructor(private readonly o: PacerOptions) {
    this.current = this.highWater = o.baseMs;
  }

  /** The interval to ask agents for now. */
  get intervalMs(): number {
    return this.current;
  }

  /** The interval silence is judged against at `nowMs`: the longest asked in its last two cycles. */
  silenceBasisMs(nowMs: number): number {
    return nowMs < this.highWaterUntil ? Math.max(this.highWater, this.current) : this.current;
  }

  /** True when the last period was busier than `high` (the cell is behind on its input). */
  get saturated(): boolean {
    return this.lastUtilization > this.o.high;
  }

  /** True while the cell asks for more than its configured interval. */
  get shedding(): boolean {
    return this.current > this.o.baseMs;
  }

  /** One period's utilization (0..1) at `nowMs` in; returns the interval to ask for from now on. */
  observe(utilization: number, nowMs: number): number {
    this.lastUtilization = utilization;
    if (nowMs < this.holdUntil) return this.current;
    const before = this.current;
    if (utilization > this.o.high) this.current = Math.min(this.o.maxMs, Math.round(before * this.o.factor));
    else if (utilization < this.o.low) this.current = Math.max(this.o.baseMs, Math.round(before / this.o.factor));
    if (this.current !== before) {
      const longer = Math.max(before, this.current);
      this.holdUntil = nowMs + longer;
      if (longer >= this.highWater || nowMs >= this.highWaterUntil) this.highWater = longer;
      this.highWaterUntil = nowMs + 2 * this.highWater;
    }
    return this.current;
  }
}
