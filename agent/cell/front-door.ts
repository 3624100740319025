// The cell's front door: a plain TCP listener in front of a TLS server, deciding what gets a TLS
// handshake and when. Handshakes are the most expensive thing a link costs the cell (an ECDHE key
// exchange, a signature and a client chain to verify, ~1–2 ms of CPU each), so they are what a
// reconnect storm — thousands of agents returning at once after a cell restart — is made of.
//
//   accept (paused: the ClientHello waits unread in the kernel)
//     ├─ over the total or per-source connection limit, or the source's rate ─► reset at once
//     ├─ queue full ─► reset at once (the agent backs off and returns later)
//     └─ queue (FIFO) ─► at most `maxHandshakes` TLS handshakes at a time ─► the TLS server
//   a socket that waited longer than `maxQueueWaitMs` is reset instead of served late
//
// Queueing rather than refusing is what keeps a storm short: an agent in the queue waits (gRPC
// gives a connection attempt as long as it needs) instead of retrying, so no handshake is wasted on
// a client that already gave up, and the cell works through the fleet at the speed of its CPU.
// Refusals cost one accept and one reset, no cryptography.
//
// `reusePort` lets several cell processes on one host listen on the same address (SO_REUSEPORT):
// the kernel spreads new connections over them, as a Service spreads them over replicas.
import * as net from "node:net";
import type * as tls from "node:tls";

/** Limits per source address (the bootstrap endpoint; agents dial the link from anywhere). */
export interface PerSourceLimits {
  /** Connections open at once from one address. */
  maxConnections: number;
  /** New connections per second from one address, and the burst above it. */
  ratePerSecond: number;
  burst: number;
}

export interface FrontDoorOptions {
  host: string;
  port: number;
  reusePort?: boolean;
  /** Connections open at once (queued, in handshake or established). */
  maxConnections: number;
  /** TLS handshakes in progress at once. */
  maxHandshakes: number;
  /** Connections waiting for a handshake slot. */
  maxQueue: number;
  maxQueueWaitMs: number;
  perSource?: PerSourceLimits;
  now?: () => number;
}

/** Counters for stats lines and tests. */
export interface FrontDoorStats {
  open: number;
  queued: number;
  handshaking: number;
  accepted: number;
  refused: Record<RefusalReason, number>;
}

export type RefusalReason = "connections" | "source-connections" | "source-rate" | "queue-full" | "queue-wait";

interface Waiting {
  socket: net.Socket;
  at: number;
}

interface Source {
  open: number;
  tokens: number;
  refilledAt: number;
}

const peerKey = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
  `${s.remoteAddress ?? ""}|${s.remotePort ?? 0}`;

/** A TCP listener that admits connections into `target` (a tls.Server or http2 secure server). */
export class FrontDoor {
  private readonly server: net.Server;
  private readonly queue: Waiting[] = [];
  private queueHead = 0;
  /** Raw sockets whose TLS handshake is running, by remote address and port. */
  private readonly handshaking = new Map<string, net.Socket>();
  private readonly sources = new Map<string, Source>();
  private open = 0;
  private accepted = 0;
  private readonly refused: Record<RefusalReason, number> = {
    connections: 0,
    "source-connections": 0,
    "source-rate": 0,
    "queue-full": 0,
    "queue-wait": 0,
  };
  private readonly now: () => number;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly target: tls.Server,
    private readonly o: FrontDoorOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.server = net.createServer({ pauseOnConnect: true, noDelay: true }, (s) => this.onConnection(s));
    // The handshake is over (either way): free its slot. A socket that closes mid-handshake frees
    // it through its 'close' (below).
    target.on("secureConnection", (t: tls.TLSSocket) => this.handshakeDone(peerKey(t)));
    target.on("tlsClientError", (_e: Error, t: tls.TLSSocket) => this.handshakeDone(peerKey(t)));
  }

  /** Listen; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(
        { host: this.o.host, port: this.o.port, reusePort: this.o.reusePort ?? false, backlog: 4096 },
        () => {
          this.server.off("error", reject);
          resolve();
        },
      );
    });
    // Queued sockets past their wait are reset even when no handshake slot frees up.
    this.pruneTimer = setInterval(
      () => {
        this.pump();
        this.pruneSources();
      },
      Math.max(100, Math.min(1000, this.o.maxQueueWaitMs / 4)),
    );
    this.pruneTimer.unref();
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Stop accepting; queued sockets are reset. Established connections are the target's to close. */
  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i]!.socket.destroy();
    this.queue.length = this.queueHead = 0;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  stats(): FrontDoorStats {
    return {
      open: this.open,
      queued: this.queue.length - this.queueHead,
      handshaking: this.handshaking.size,
      accepted: this.accepted,
      refused: { ...this.refused },
    };
  }

  private onConnection(socket: net.Socket): void {
    const source = this.o.perSource ? this.source(socket.remoteAddress ?? "") : undefined;
    const reason = this.admit(source);
    if (reason) {
      this.refused[reason]++;
      socket.resetAndDestroy();
      return;
    }
    this.open++;
    if (source) source.open++;
    const key = peerKey(socket); // the address is gone once the socket is closed
    socket.once("close", () => {
      this.open--;
      if (source) source.open--;
      this.handshakeDone(key, socket);
    });
    socket.on("error", () => undefined); // a reset while queued; 'close' follows
    this.queue.push({ socket, at: this.now() });
    this.pump();
  }

  private admit(source: Source | undefined): RefusalReason | undefined {
    if (this.open >= this.o.maxConnections) return "connections";
    if (this.queue.length - this.queueHead >= this.o.maxQueue) return "queue-full";
    if (!source || !this.o.perSource) return undefined;
    const lim = this.o.perSource;
    if (source.open >= lim.maxConnections) return "source-connections";
    const t = this.now();
    source.tokens = Math.min(lim.burst, source.tokens + ((t - source.refilledAt) / 1000) * lim.ratePerSecond);
    source.refilledAt = t;
    if (source.tokens < 1) return "source-rate";
    source.tokens -= 1;
    return undefined;
  }

  private source(address: string): Source {
    let s = this.sources.get(address);
    if (!s) {
      s = { open: 0, tokens: this.o.perSource!.burst, refilledAt: this.now() };
      this.sources.set(address, s);
    }
    return s;
  }

  /** Hand queued sockets to the TLS server while handshake slots are free; reset those that waited too long. */
  private pump(): void {
    const t = this.now();
    while (this.queueHead < this.queue.length) {
      const w = this.queue[this.queueHead]!;
      if (w.socket.destroyed) {
        this.queueHead++;
        continue;
      }
      if (t - w.at > this.o.maxQueueWaitMs) {
        this.queueHead++;
        this.refused["queue-wait"]++;
        w.socket.resetAndDestroy();
        continue;
      }
      if (this.handshaking.size >= this.o.maxHandshakes) break;
      this.queueHead++;
      this.handshaking.set(peerKey(w.socket), w.socket);
      this.accepted++;
      this.target.emit("connection", w.socket);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private handshakeDone(key: string, socket?: net.Socket): void {
    const s = this.handshaking.get(key);
    if (!s || (socket && s !== socket)) return;
    this.handshaking.delete(key);
    this.pump();
  }

  /** Forget sources with nothing open and a full bucket (they would start there anyway). */
  private pruneSources(): void {
    const lim = this.o.perSource;
    if (!lim || this.sources.size < 1024) return;
    const t = this.now();
    for (const [k, s] of this.sources)
      if (s.open === 0 && s.tokens + ((t - s.refilledAt) / 1000) * lim.ratePerSecond >= lim.burst)
        this.sources.delete(k);
  }
}
