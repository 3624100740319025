// Liveness of agent connections without per-agent application work: HTTP/2 PING. The cell pings
// each connection `intervalMs` after its last answer; a connection that leaves a PING unanswered for
// `timeoutMs` is destroyed, which ends its stream (the cluster is then reported disconnected). So a
// silent agent — a stopped process, a host gone without a FIN, a partition — is dropped within
//
//     intervalMs + timeoutMs + tickMs          (defaults: 20 s + 10 s + 1 s = 31 s)
//
// A PING is answered by the peer's HTTP/2 stack, not by the agent's code, and costs the cell one
// frame each way and one callback per interval. Agents ping the cell too (grpc-js keepalive), to
// find a cell that went silent; the cell's HTTP/2 stack answers those without running any
// JavaScript. There is no application heartbeat in the steady state.
//
// One timer serves every connection. When the cell's own event loop is behind (a tick arrives late:
// a connect storm, a long GC), answers may be waiting unread in its input, so nothing is judged
// dead on that tick; the next punctual tick judges again.

/** What the sweep needs of a connection (an http2 session). */
export interface Pingable {
  ping(callback: (err: Error | null, duration: number, payload: Buffer) => void): boolean;
  destroy(): void;
  readonly destroyed: boolean;
}

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
  /** How often the sweep looks (default 1 s, or less for short intervals). */
  tickMs?: number;
  now?: () => number;
  /** A connection is being destroyed for silence; `label` is what add() was given. */
  onSilent?: (label: string | undefined, silentMs: number) => void;
  /** A PING was answered: the connection is alive now. */
  onAlive?: (label: string | undefined) => void;
}

interface Rec {
  /** When the unanswered PING was sent (0: none outstanding). */
  pingAt: number;
  /** The last sign of life: connection start or PING answer. */
  aliveAt: number;
  label?: string;
}

/** The longest a silent connection can stay open: what docs and tests rely on. */
export function silenceBoundMs(o: Pick<KeepaliveOptions, "intervalMs" | "timeoutMs" | "tickMs">): number {
  return o.intervalMs + o.timeoutMs + tickOf(o);
}

function tickOf(o: Pick<KeepaliveOptions, "intervalMs" | "timeoutMs" | "tickMs">): number {
  return o.tickMs ?? Math.max(50, Math.min(1000, o.intervalMs / 4, o.timeoutMs / 4));
}

/** Pings every registered connection and destroys those that stop answering. */
export class KeepaliveSweep {
  private readonly conns = new Map<Pingable, Rec>();
  private readonly now: () => number;
  private readonly tickMs: number;
  private timer?: NodeJS.Timeout;
  private lastTick: number;
  /** Connections destroyed for silence so far. */
  dropped = 0;

  constructor(private readonly o: KeepaliveOptions) {
    this.now = o.now ?? Date.now;
    this.tickMs = tickOf(o);
    this.lastTick = this.now();
  }

  get size(): number {
    return this.conns.size;
  }

  start(): void {
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  add(conn: Pingable, label?: string): void {
    const t = this.now();
    this.conns.set(conn, { pingAt: 0, aliveAt: t, ...(label ? { label } : {}) });
  }

  /** Name a connection for the log line if it is dropped (the cluster, once a stream binds). */
  label(conn: Pingable, label: string): void {
    const r = this.conns.get(conn);
    if (r) r.label = label;
  }

  remove(conn: Pingable): void {
    this.conns.delete(conn);
  }

  /** One pass (the timer's; tests call it with their own clock). */
  tick(): void {
    const t = this.now();
    const late = t - this.lastTick - this.tickMs;
    this.lastTick = t;
    const judge = late < Math.max(1000, this.tickMs);
    for (const [conn, r] of this.conns) {
      if (conn.destroyed) {
        this.conns.delete(conn);
        continue;
      }
      if (r.pingAt) {
        if (judge && t - r.pingAt > this.o.timeoutMs) {
          this.conns.delete(conn);
          this.dropped++;
          this.o.onSilent?.(r.label, t - r.aliveAt);
          conn.destroy();
        }
        continue;
      }
      if (t - r.aliveAt < this.o.intervalMs) continue;
      r.pingAt = t;
      let sent = false;
      try {
        sent = conn.ping((err) => {
          if (err) return; // the connection is closing; its own events clean up
          r.pingAt = 0;
          r.aliveAt = this.now();
          this.o.onAlive?.(r.label);
        });
      } catch {
        sent = false; // a session already closing throws
      }
      if (!sent) r.pingAt = 0;
    }
  }
}
