// Per-cluster link status in the parent (ClusterLink <cluster>, status subresource), written so that
// ten thousand agents do not become ten thousand writes per second, and so that several cell
// replicas never undo each other:
//  - state changes (connected, disconnected, new health) mark a cluster dirty at once;
//  - signs of life (PING answers, messages) only update memory; a cluster's lastHeartbeatTime is
//    rewritten at most every `refreshMs`, and only with spare write budget: state changes always
//    go first. Liveness at finer grain is the cell's own Lease (lease.ts): readers trust
//    `connected` only while the holding cell's Lease is fresh;
//  - writes are coalesced (a dirty cluster is written once with its latest state), rate-limited
//    (token bucket) and bounded in concurrency, so a connect storm queues instead of flooding;
//  - every write is a compare-and-swap against the resourceVersion the ClusterLink index holds
//    (links.ts), and is made only if it does not undo a newer stream: the newest binding of a
//    cluster — on any replica — owns its status. A replica whose stream is older than the one the
//    parent records stops writing for it and is told (onStale), so it can close that stream.
// Every write carries the whole status this writer owns under one field manager (server-side apply
// drops fields a manager stops sending); the cell keeps it per cluster in compact form.
import type { KubeClient } from "../../kube/client";
import { KubeError, isNotFound } from "../../kube/client";
import type { Logger } from "../log";
import type { Health__Output } from "../protocol/load";
import {
  CELL_FIELD_MANAGER,
  LINK_API_VERSION,
  type ClusterLink,
  type ClusterLinkStatus,
  type LinkHealth,
} from "../api/types";
import { recordOf, type ClusterLinkIndex, type LinkRecord } from "./links";
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
  /** This cell's stream for `cluster` is older than the one the parent records: close it. */
  onStale?: (cluster: string, sessionId: string) => void;
}

/** What the writer keeps per cluster: the status it owns, compactly (rendered when written). */
interface ClusterState {
  connected: boolean;
  sessionId?: string;
  connectedMs?: number;
  disconnectedMs?: number;
  heartbeatMs?: number;
  heartbeatWrittenMs?: number;
  agentVersion?: string;
  kubernetesVersion?: string;
  protocolVersion?: number;
  fipsMode?: boolean;
  capabilities?: string[];
  health?: LinkHealth;
  healthKey?: string;
  certificateNotAfterMs?: number;
  dirty: boolean;
  queued: boolean;
  writing: boolean;
  retryAt?: number;
  failures: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Values thousands of clusters share (versions, capability lists, health): one copy each. */
const shared = new Map<string, unknown>();
function intern<T>(key: string, value: T): T {
  const kept = shared.get(key);
  if (kept !== undefined) return kept as T;
  if (shared.size < 10_000) shared.set(key, value);
  return value;
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

/** The status a state renders to (what one write sends). */
function render(cell: string, st: ClusterState): ClusterLinkStatus {
  return {
    connected: st.connected,
    cell,
    ...(st.sessionId ? { sessionId: st.sessionId } : {}),
    ...(st.connectedMs ? { connectedTime: iso(st.connectedMs) } : {}),
    ...(!st.connected && st.disconnectedMs ? { disconnectedTime: iso(st.disconnectedMs) } : {}),
    ...(st.heartbeatMs ? { lastHeartbeatTime: iso(st.heartbeatMs) } : {}),
    ...(st.agentVersion !== undefined ? { agentVersion: st.agentVersion } : {}),
    ...(st.kubernetesVersion !== undefined ? { kubernetesVersion: st.kubernetesVersion } : {}),
    ...(st.protocolVersion !== undefined ? { protocolVersion: st.protocolVersion } : {}),
    ...(st.fipsMode !== undefined ? { fipsMode: st.fipsMode } : {}),
    ...(st.capabilities ? { capabilities: st.capabilities } : {}),
    ...(st.health ? { health: st.health } : {}),
    ...(st.certificateNotAfterMs ? { certificateNotAfter: iso(st.certificateNotAfterMs) } : {}),
  };
}

/** Should a state be written over what the parent records? */
export function judge(
  cell: string,
  st: Pick<ClusterState, "connected" | "sessionId" | "connectedMs">,
  rec: LinkRecord,
) {
  if (!st.sessionId) return "skip" as const;
  const h = rec.holder;
  const mine = h !== undefined && h.cell === cell && h.sessionId === st.sessionId;
  if (mine) return "write" as const;
  // Not ours on record: a disconnect has nothing of ours to undo.
  if (!st.connected) return "skip" as const;
  if (h && h.connectedMs > (st.connectedMs ?? 0)) return "stale" as const;
  return "write" as const;
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
  /** Writes made, and writes that lost a compare-and-swap (for stats). */
  writes = 0;
  conflicts = 0;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly cell: string,
    private readonly index: Pick<ClusterLinkIndex, "get" | "observe">,
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
    const h = info.hello;
    st.connected = true;
    st.sessionId = info.sessionId;
    st.connectedMs = info.connectedAtMs;
    st.heartbeatMs = info.connectedAtMs;
    st.agentVersion = intern(`av:${h.agentVersion}`, h.agentVersion);
    st.kubernetesVersion = intern(`kv:${h.kubernetesVersion}`, h.kubernetesVersion);
    st.protocolVersion = info.protocolVersion;
    st.fipsMode = h.fipsMode;
    const caps = [...h.capabilities].sort();
    st.capabilities = intern(`caps:${caps.join(",")}`, caps);
    st.certificateNotAfterMs = info.certificateNotAfter?.getTime();
    this.mark(cluster, st);
  }

  heartbeat(cluster: string, atMs: number): void {
    const st = this.states.get(cluster);
    if (st?.connected) st.heartbeatMs = atMs;
  }

  health(cluster: string, health: Health__Output): void {
    const st = this.state(cluster);
    const next = toLinkHealth(health);
    const key = JSON.stringify(next);
    if (key === st.healthKey) return;
    st.healthKey = intern(`hk:${key}`, key);
    const observed = iso(health.observedUnixMs || this.now());
    st.health = { ...next, observedTime: observed };
    this.mark(cluster, st);
  }

  disconnected(cluster: string, sessionId: string): void {
    const st = this.states.get(cluster);
    if (!st || st.sessionId !== sessionId) return; // a newer session owns the status now
    st.connected = false;
    st.disconnectedMs = this.now();
    this.mark(cluster, st);
  }

  /** Forget a cluster's state (its stream moved to a newer holder). */
  forget(cluster: string, sessionId: string): void {
    const st = this.states.get(cluster);
    if (st && st.sessionId === sessionId && !st.writing) this.states.delete(cluster);
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
      st = { connected: false, dirty: false, queued: false, writing: false, failures: 0 };
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
        st.connected &&
        st.heartbeatMs !== undefined &&
        st.heartbeatMs - (st.heartbeatWrittenMs ?? 0) >= this.opts.refreshMs &&
        !st.dirty &&
        spare()
      ) {
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
    const status = render(this.cell, st);
    const heartbeat = st.heartbeatMs;
    try {
      for (let attempt = 0; attempt < 4; attempt++) {
        const rec = this.index.get(cluster);
        if (!rec) {
          // No ClusterLink: issueBootstrapToken creates it, and deleting it (a deprovisioned
          // cluster) is final. Recreating it here would bring it back from a late status write.
          this.opts.log.info("no ClusterLink for this cluster: status not recorded", { cluster });
          return;
        }
        const verdict = judge(this.cell, st, rec);
        if (verdict === "skip") return;
        if (verdict === "stale") {
          this.opts.log.info("a newer stream of this cluster is recorded: this cell's stream is stale", {
            cluster,
            session: st.sessionId,
            holder: rec.holder?.cell,
          });
          this.opts.onStale?.(cluster, st.sessionId!);
          return;
        }
        try {
          const live = await this.applyStatus(cluster, rec.resourceVersion, status);
          this.writes++;
          this.index.observe(cluster, recordOf(live));
          st.failures = 0;
          if (heartbeat !== undefined) st.heartbeatWrittenMs = heartbeat;
          return;
        } catch (e) {
          if (isNotFound(e))
            return this.opts.log.info("no ClusterLink for this cluster: status not recorded", { cluster });
          if (!(e instanceof KubeError && e.status === 409)) throw e;
          // Someone wrote since the index saw it: read it now, then judge again.
          this.conflicts++;
          const fresh = await this.kube.getOrUndefined<ClusterLink>(this.ref(cluster));
          if (!fresh) return;
          this.index.observe(cluster, recordOf(fresh));
        }
      }
      throw new Error("the ClusterLink kept changing under four attempts");
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

  private ref(cluster: string) {
    return { apiVersion: LINK_API_VERSION, kind: "ClusterLink", namespace: this.namespace, name: cluster };
  }

  /** Server-side apply of the status with the resourceVersion as a precondition (409 if it moved). */
  private async applyStatus(cluster: string, resourceVersion: string, status: ClusterLinkStatus): Promise<ClusterLink> {
    const path = await this.kube.pathOf(LINK_API_VERSION, "ClusterLink", this.namespace, cluster);
    const q = new URLSearchParams({ fieldManager: CELL_FIELD_MANAGER, force: "true" });
    return this.kube.request<ClusterLink>(
      "PATCH",
      `${path}/status?${q}`,
      {
        apiVersion: LINK_API_VERSION,
        kind: "ClusterLink",
        metadata: { name: cluster, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
        status,
      },
      "application/apply-patch+yaml",
    );
  }
}
