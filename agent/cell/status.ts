// Per-cluster link status in the parent (ClusterLink <cluster>, status subresource), written so that
// ten thousand agents do not become ten thousand writes per second:
//  - state changes (connected, disconnected, new health) mark a cluster dirty at once;
//  - heartbeats only update memory; a cluster's lastHeartbeatTime is rewritten at most every
//    `refreshMs` (like a node's status vs. its lease), and only with spare write budget: state
//    changes always go first, so with many clusters the refresh lags (10,000 clusters at 20 writes/s
//    refresh about every 8 minutes). Liveness at finer grain is the cell's own Lease (lease.ts):
//    readers trust `connected` only while the holding cell's Lease is fresh;
//  - writes are coalesced (a dirty cluster is written once with its latest state), rate-limited
//    (token bucket) and bounded in concurrency, so a connect storm queues instead of flooding.
// Every write carries the whole status under one field manager (server-side apply drops fields a
// manager stops sending), so the writer keeps the full desired status per cluster in memory.
import type { KubeClient } from "../../kube/client";
import { isNotFound } from "../../kube/client";
import type { Logger } from "../log";
import type { Health__Output } from "../protocol/load";
import { CELL_FIELD_MANAGER, LINK_API_VERSION, type ClusterLinkStatus, type LinkHealth } from "../api/types";
import type { ConnectedInfo, StatusPort } from "./ports";

export interface StatusWriterOptions {
  /** Rewrite lastHeartbeatTime at most this often per cluster. */
  refreshMs: number;
  /** Sustained writes per second to the parent, and the burst above it. */
  qps: number;
  burst: number;
  /** Writes in flight at once. */
  concurrency?: number;
  log: Logger;
  now?: () => number;
}

interface ClusterState {
  status: ClusterLinkStatus;
  sessionId?: string;
  healthKey?: string;
  dirty: boolean;
  queued: boolean;
  writing: boolean;
  heartbeatMs?: number;
  heartbeatWrittenMs?: number;
  retryAt?: number;
  failures: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const capabilitySets = new Map<string, string[]>();

/** Agents of one version report the same capabilities: keep one array for all of them. */
function internCapabilities(caps: readonly string[]): string[] {
  const sorted = [...caps].sort();
  const key = sorted.join(",");
  let kept = capabilitySets.get(key);
  if (!kept) capabilitySets.set(key, (kept = sorted));
  return kept;
}

/** Health as stored, without the observation time (so equal health is not a change). */
export function toLinkHealth(h: Health__Output): LinkHealth {
  const phases: Record<string, number> = {};
  for (const k of Object.keys(h.machinePhases ?? {}).sort()) phases[k] = h.machinePhases[k]!;
  return {
    nodesReady: h.nodesReady,
    nodesTotal: h.nodesTotal,
    controlPlaneReady: h.controlPlaneReady,
    machinePhases: phases,
  };
}

/** StatusPort writing ClusterLink status to the parent. */
export class LinkStatusWriter implements StatusPort {
  private readonly states = new Map<string, ClusterState>();
  private readonly queue: string[] = [];
  private tokens: number;
  private lastRefill: number;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private stopped = false;
  private readonly now: () => number;
  private readonly concurrency: number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly cell: string,
    private readonly opts: StatusWriterOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.lastRefill = this.now();
    this.concurrency = opts.concurrency ?? 4;
  }

  /** Start the refresh tick. */
  start(): void {
    this.ticker = setInterval(() => this.refresh(), Math.min(1000, this.opts.refreshMs));
    this.ticker.unref();
  }

  connected(cluster: string, info: ConnectedInfo): void {
    const st = this.state(cluster);
    const t = this.now();
    const h = info.hello;
    st.sessionId = info.sessionId;
    st.heartbeatMs = t;
    st.status = {
      connected: true,
      cell: this.cell,
      sessionId: info.sessionId,
      connectedTime: iso(t),
      lastHeartbeatTime: iso(t),
      agentVersion: h.agentVersion,
      kubernetesVersion: h.kubernetesVersion,
      protocolVersion: info.protocolVersion,
      fipsMode: h.fipsMode,
      capabilities: internCapabilities(h.capabilities),
      ...(st.status.health ? { health: st.status.health } : {}),
      ...(info.certificateNotAfter ? { certificateNotAfter: info.certificateNotAfter.toISOString() } : {}),
    };
    this.mark(cluster, st);
  }

  heartbeat(cluster: string, atMs: number): void {
    const st = this.states.get(cluster);
    if (st) st.heartbeatMs = atMs;
  }

  health(cluster: string, health: Health__Output): void {
    const st = this.state(cluster);
    const next = toLinkHealth(health);
    const key = JSON.stringify(next);
    if (key === st.healthKey) return;
    st.healthKey = key;
    st.status = { ...st.status, health: { ...next, observedTime: iso(health.observedUnixMs || this.now()) } };
    this.mark(cluster, st);
  }

  disconnected(cluster: string, sessionId: string): void {
    const st = this.states.get(cluster);
    if (!st || st.sessionId !== sessionId) return; // a newer session owns the status now
    const t = this.now();
    st.status = {
      ...st.status,
      connected: false,
      disconnectedTime: iso(t),
      ...(st.heartbeatMs ? { lastHeartbeatTime: iso(st.heartbeatMs) } : {}),
    };
    this.mark(cluster, st);
  }

  /** Clusters with a write pending or in flight. */
  pending(): number {
    let n = 0;
    for (const st of this.states.values()) if (st.dirty || st.writing) n++;
    return n;
  }

  /** Resolve when nothing is pending, or after timeoutMs. */
  async flush(timeoutMs: number): Promise<void> {
    if (this.pending() === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Stop writing (after an optional flush by the caller). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.timer);
  }

  private state(cluster: string): ClusterState {
    let st = this.states.get(cluster);
    if (!st) {
      st = { status: { connected: false }, dirty: false, queued: false, writing: false, failures: 0 };
      this.states.set(cluster, st);
    }
    return st;
  }

  private mark(cluster: string, st: ClusterState): void {
    st.dirty = true;
    this.enqueue(cluster, st);
    this.pump();
  }

  /** Queue a dirty cluster once; one being written is queued again when its write returns. */
  private enqueue(cluster: string, st: ClusterState): void {
    if (st.dirty && !st.queued && !st.writing) {
      st.queued = true;
      this.queue.push(cluster);
    }
  }

  /**
   * Heartbeat refresh: connected clusters whose written heartbeat is older than refreshMs — as
   * long as fewer than two seconds of writes are queued (the budget belongs to state changes first).
   */
  private refresh(): void {
    const t = this.now();
    const spare = () => this.queue.length < this.opts.qps * 2;
    for (const [cluster, st] of this.states) {
      if (
        st.status.connected &&
        st.heartbeatMs !== undefined &&
        st.heartbeatMs - (st.heartbeatWrittenMs ?? 0) >= this.opts.refreshMs &&
        !st.dirty &&
        spare()
      ) {
        st.status = { ...st.status, lastHeartbeatTime: iso(st.heartbeatMs) };
        this.mark(cluster, st);
      } else if (st.retryAt !== undefined && st.retryAt <= t && !st.dirty) {
        st.retryAt = undefined;
        this.mark(cluster, st);
      }
    }
  }

  private pump(): void {
    if (this.stopped) return;
    const t = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((t - this.lastRefill) / 1000) * this.opts.qps);
    this.lastRefill = t;
    while (this.queue.length > 0 && this.inFlight < this.concurrency && this.tokens >= 1) {
      const cluster = this.queue.shift()!;
      const st = this.states.get(cluster);
      if (!st) continue;
      st.queued = false;
      if (!st.dirty) continue;
      this.tokens -= 1;
      st.dirty = false;
      st.writing = true;
      this.inFlight++;
      void this.write(cluster, st).finally(() => {
        st.writing = false;
        this.inFlight--;
        this.enqueue(cluster, st);
        this.pump();
        if (this.pending() === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
    if (this.queue.length > 0 && !this.timer && this.tokens < 1) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.ceil(((1 - this.tokens) / this.opts.qps) * 1000),
      );
      this.timer.unref();
    }
  }

  private async write(cluster: string, st: ClusterState): Promise<void> {
    const status = { ...st.status };
    const heartbeat = st.heartbeatMs;
    const body = {
      apiVersion: LINK_API_VERSION,
      kind: "ClusterLink",
      metadata: { name: cluster, namespace: this.namespace },
      status,
    };
    try {
      try {
        await this.kube.applyStatus(body, CELL_FIELD_MANAGER);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        // No ClusterLink: issueBootstrapToken creates it, and deleting it (a deprovisioned
        // cluster) is final. Recreating it here would bring it back from a late status write.
        this.opts.log.info("no ClusterLink for this cluster: status not recorded", { cluster });
      }
      st.failures = 0;
      if (status.lastHeartbeatTime && heartbeat !== undefined)
        st.heartbeatWrittenMs = Date.parse(status.lastHeartbeatTime);
    } catch (e) {
      st.failures++;
      st.retryAt = this.now() + Math.min(30_000, 500 * 2 ** Math.min(st.failures, 6));
      this.opts.log.warn("could not write link status; will retry", {
        cluster,
        error: e as Error,
        failures: st.failures,
      });
    }
  }
}
