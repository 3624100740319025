// The keepalive sweep with a hand-driven clock and connections that answer PINGs, or do not.
import { KeepaliveSweep, silenceBoundMs, type Pingable } from "./keepalive";

class Conn implements Pingable {
  destroyed = false;
  pings = 0;
  answer = true;
  private pending?: (err: Error | null, duration: number, payload: Buffer) => void;
  ping(cb: (err: Error | null, duration: number, payload: Buffer) => void): boolean {
    this.pings++;
    this.pending = cb;
    return true;
  }
  /** Deliver the answer to the outstanding PING, if this connection answers. */
  flush(): void {
    if (this.answer && this.pending) this.pending(null, 1, Buffer.alloc(8));
    this.pending = undefined;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

describe("KeepaliveSweep", () => {
  let t = 0;
  const opts = { intervalMs: 1000, timeoutMs: 500, tickMs: 100, now: () => t };
  const run = (sweep: KeepaliveSweep, conns: Conn[], untilMs: number) => {
    for (; t <= untilMs; t += 100) {
      sweep.tick();
      for (const c of conns) c.flush();
    }
  };

  beforeEach(() => (t = 0));

  it("pings only after the interval, and keeps a connection that answers", () => {
    const alive: string[] = [];
    const sweep = new KeepaliveSweep({ ...opts, onAlive: (l) => alive.push(l!) });
    const c = new Conn();
    sweep.add(c, "c1");
    run(sweep, [c], 900);
    expect(c.pings).toBe(0);
    run(sweep, [c], 10_000);
    expect(c.pings).toBe(10); // once per interval after each answer
    expect(c.destroyed).toBe(false);
    expect(alive.length).toBe(10);
  });

  it("destroys a connection that stops answering within interval + timeout + tick", () => {
    const silent: { label?: string; ms: number }[] = [];
    const sweep = new KeepaliveSweep({
      ...opts,
      onSilent: (label, ms) => silent.push({ ...(label ? { label } : {}), ms }),
    });
    const c = new Conn();
    sweep.add(c, "c1");
    run(sweep, [c], 2000);
    c.answer = false;
    const stoppedAt = t;
    while (!c.destroyed && t < 60_000) run(sweep, [c], t);
    expect(c.destroyed).toBe(true);
    expect(t - stoppedAt).toBeLessThanOrEqual(silenceBoundMs(opts));
    expect(silent).toHaveLength(1);
    expect(silent[0]!.label).toBe("c1");
    expect(sweep.size).toBe(0);
  });

  it("judges nothing on a tick that came late (the cell's own loop was behind)", () => {
    const sweep = new KeepaliveSweep(opts);
    const c = new Conn();
    c.answer = false;
    sweep.add(c);
    run(sweep, [c], 1100); // PING sent at 1000, unanswered
    t = 5000; // the loop stalled for 4 s: the answer may be waiting unread
    sweep.tick();
    expect(c.destroyed).toBe(false);
    t += 100; // the next punctual tick judges
    sweep.tick();
    expect(c.destroyed).toBe(true);
  });
});
