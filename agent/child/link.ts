// The agent's side of the link: dial out, keep one stream, come back after any failure.
//
//   loop: dial (fresh channel, own TLS connection) → Hello → Welcome → health, commands
//         stream ends (error, cell gone, a PING unanswered) → close the channel
//         → wait backoff (exponential, full jitter, capped; reset after a healthy stream) → loop
//
// Liveness is HTTP/2 PING in both directions (grpc-js keepalive here, the cell's sweep there), not
// messages: in the steady state an agent sends nothing unless something changed. Health is read
// every `healthIntervalMs` but sent only when it changed, or after `statusRefreshMs` as a slow
// refresh. Application heartbeats are sent only when the cell's Welcome asks for them (cells from
// before PING liveness) or when configured (benchmarks measure round trips with them).
//
// Commands are acknowledged on receipt, executed one at a time, at most once per id (journal.ts),
// and their results sent until the cell acknowledges them — on the stream they finished on, or the
// next one. Losing the parent changes nothing in the child: no timer here acts on the cluster.
import { createPublicKey, getFips, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "../log";
import { sleepUnlessAborted } from "../runtime";
import { createAgentCsr } from "../pki/csr";
import { generateKeyPair, privateKeyPem, type CryptoKeyPair } from "../pki/crypto";
import {
  linkPackage,
  type AgentMessage,
  type CellMessage__Output,
  type Command__Output,
  type CommandResult,
  type Health,
} from "../protocol/load";
import { type TlsMaterial } from "../protocol/tls";
import { linkChannelCredentials, linkChannelOptions, type ResumingCredentials } from "../protocol/channel";
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../protocol/version";
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";
import type { CommandJournal } from "./journal";

/** What the link asks of the process hosting the agent (the real one, or a benchmark's). */
export interface AgentHost {
  describe(): Promise<{ agentVersion: string; kubernetesVersion: string; capabilities: string[] }>;
  /** Current health, or undefined when it cannot be read right now. */
  health(): Promise<Health | undefined>;
  /** Run a command; failures are results, never exceptions. */
  execute(cmd: Command__Output): Promise<CommandResult>;
  /** Persist a renewed key and certificate; absent: this host does not renew. */
  saveCertificate?(cert: string, key: string): Promise<void>;
  /**
   * The identity as stored now (read again after the cell refused the current one: a node may have
   * bootstrapped the cluster anew with a fresh token); absent: the identity never changes.
   */
  loadIdentity?(): Promise<Identity>;
}

/** A certificate with its validity. */
export interface Identity extends TlsMaterial {
  notBefore: Date;
  notAfter: Date;
}

export interface LinkAgentOptions {
  cluster: string;
  /** host:port of the cell. */
  address: string;
  serverName: string;
  identity: Identity;
  host: AgentHost;
  journal: CommandJournal;
  log: Logger;
  /**
   * Send application heartbeats this far apart (default: none; the cell's Welcome interval wins
   * when it asks for a shorter one, as cells before PING liveness do). A cell may ask for a longer
   * interval in its acks; the agent follows, never going below this base.
   */
  heartbeatIntervalMs?: number;
  /** Read the cluster's health this often (sent only when it changed). */
  healthIntervalMs?: number;
  /** Send health even when unchanged after this long (default 10 min). */
  statusRefreshMs?: number;
  /** HTTP/2 PING the cell after this long without an answer, and give up after the timeout. */
  keepalive?: { intervalMs: number; timeoutMs: number };
  backoff?: BackoffPolicy;
  welcomeTimeoutMs?: number;
  /** Give a stream up after this long without a heartbeat answer (default max(3 intervals, 60 s)). */
  answerTimeoutMs?: number;
  /** Each heartbeat sent (its Date.now()), and the round trip of each one answered (benchmarks). */
  onHeartbeatSent?: (sentUnixMs: number) => void;
  onHeartbeatRtt?: (ms: number, sentUnixMs: number) => void;
  /** Stream bound (with the cell replica's name) / lost (benchmarks, tests). */
  onConnected?: (cell: string) => void;
  onDisconnected?: (reason: string) => void;
  /** A command finished executing here (benchmarks count executions). */
  onExecuted?: (id: string) => void;
}

/**
 * A stream whose heartbeats go unanswered this long (and at least 3 intervals) is given up and
 * dialled anew; a stream without Welcome after this long likewise. A floor well above the
 * heartbeat: a cell that is merely busy (a connect storm of thousands of agents costs it more than
 * their heartbeats, measured with bench:link) answers late, and an agent that gives up adds one
 * more TLS handshake to the storm — the costliest thing it can do. A cell that is gone is noticed
 * at once anyway (the connection fails); a cell that hangs, after a minute.
 */
export const MIN_ANSWER_WAIT_MS = 60_000;
/** A stream that stayed up this long resets the backoff. */
const HEALTHY_STREAM_MS = 10_000;
/** How often the certificate's remaining life is checked. */
const RENEW_CHECK_MS = 3600_000;
/** Agents ping the cell after a minute without an answer and give it 20 s. */
export const DEFAULT_AGENT_KEEPALIVE = { intervalMs: 60_000, timeoutMs: 20_000 };
/** gRPC status codes that mean "this identity is not accepted" (revoked, unknown cluster). */
const IDENTITY_REFUSED = new Set([7, 16]); // PERMISSION_DENIED, UNAUTHENTICATED

type Call = grpc.ClientDuplexStream<AgentMessage, CellMessage__Output>;

/** The agent's link to its cell. */
export class LinkAgent {
  private readonly instance = randomBytes(6).toString("hex");
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private identity: Identity;
  private call?: Call;
  private bound = false;
  private loop?: Promise<void>;
  private exec: Promise<void> = Promise.resolve();
  private renewing?: { keys: CryptoKeyPair; keyPem: string };
  private renewNotBefore = 0;
  private renewTimer?: NodeJS.Timeout;
  private beatMs = 0;
  /** Re-time the current stream's heartbeats (set while a stream is bound). */
  private retime?: (ms: number) => void;
  /** Credentials of the current identity, kept across dials: they resume the last TLS session. */
  private credentials?: { cert: string; value: ResumingCredentials };

  private readonly o: LinkAgentOptions;

  constructor(options: LinkAgentOptions) {
    this.o = { ...options }; // a copy: setHeartbeatInterval changes it
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.identity = options.identity;
  }

  /** True while a stream is bound (Welcome received and not lost). */
  get connected(): boolean {
    return this.bound;
  }

  /** TLS handshakes of this agent's current identity, and how many resumed a session. */
  get tlsHandshakes(): { total: number; resumed: number } {
    return { total: this.credentials?.value.handshakes ?? 0, resumed: this.credentials?.value.resumed ?? 0 };
  }

  /** The heartbeat interval in use on the current stream (0 while none is bound). */
  get heartbeatIntervalMs(): number {
    return this.beatMs;
  }

  /** Start the loop (returns at once). */
  start(): void {
    this.loop ??= this.run();
    this.renewTimer = setInterval(() => void this.maybeRenew(), RENEW_CHECK_MS);
    this.renewTimer.unref();
  }

  /**
   * Send application heartbeats this far apart from now on, on this stream and the next ones
   * (0: none). For measuring round trips (bench:link); liveness does not need them.
   */
  setHeartbeatInterval(ms: number): void {
    this.o.heartbeatIntervalMs = ms;
    this.retime?.(ms);
  }

  /** Drop the current stream and dial again (after the usual backoff); the agent keeps running. */
  reconnect(): void {
    this.call?.cancel();
  }

  /** Half-close the stream and stop reconnecting. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.renewTimer);
    try {
      this.call?.end();
    } catch {
      // already closed
    }
    this.call?.cancel();
    await this.loop;
    await this.exec;
  }

  private async run(): Promise<void> {
    await this.o.journal
      .load()
      .catch((e: unknown) => this.o.log.warn("could not load the command journal", { error: e as Error }));
    while (!this.abort.signal.aborted) {
      const end = await this.session();
      if (this.abort.signal.aborted) break;
      if (end.welcomedAt !== undefined && Date.now() - end.welcomedAt >= HEALTHY_STREAM_MS) this.backoff.reset();
      if (end.code !== undefined && IDENTITY_REFUSED.has(end.code)) await this.reloadIdentity();
      const windowMs = this.backoff.window();
      const delayMs = this.backoff.next();
      this.o.log.info("link lost; reconnecting", {
        reason: end.reason,
        attempt: this.backoff.attempts,
        delayMs,
        windowMs,
      });
      await sleepUnlessAborted(delayMs, this.abort.signal);
    }
  }

  /** After the cell refused the identity: take the stored one if it changed (a new bootstrap). */
  private async reloadIdentity(): Promise<void> {
    if (!this.o.host.loadIdentity) return;
    try {
      const stored = await this.o.host.loadIdentity();
      if (stored.cert !== this.identity.cert) {
        this.identity = stored;
        this.o.log.info("a new identity was stored: dialling with it", { notAfter: stored.notAfter.toISOString() });
      }
    } catch (e) {
      this.o.log.warn("could not read the stored identity", { error: e as Error });
    }
  }

  /** One stream, from dial to end. */
  private session(): Promise<{ welcomedAt?: number; reason: string; code?: number }> {
    const Link = linkPackage().Link;
    if (this.credentials?.cert !== this.identity.cert)
      this.credentials = { cert: this.identity.cert, value: linkChannelCredentials(this.identity, this.o.serverName) };
    const client = new Link(
      this.o.address,
      this.credentials.value,
      linkChannelOptions(this.o.serverName, this.o.keepalive ?? DEFAULT_AGENT_KEEPALIVE),
    );
    const call: Call = client.Connect();
    this.call = call;
    return new Promise((resolve) => {
      let welcomedAt: number | undefined;
      let ended = false;
      const timers: NodeJS.Timeout[] = [];
      const pending = new Map<number, [perfMs: number, unixMs: number]>();
      let seq = 0;
      let lastAck = Date.now();
      // The interval starts as min(ours, the cell's Welcome) and follows the cell's pacing in acks,
      // never below that base; the answer timeout is measured against the interval in use.
      let baseMs = 0;
      let beatTimer: NodeJS.Timeout | undefined;

      const finish = (reason: string, code?: number) => {
        if (ended) return;
        ended = true;
        for (const t of timers) clearInterval(t);
        clearInterval(beatTimer);
        if (this.call === call) this.call = undefined;
        this.beatMs = 0;
        this.retime = undefined;
        if (this.bound) {
          this.bound = false;
          this.o.onDisconnected?.(reason);
        }
        call.cancel();
        client.close();
        resolve({
          ...(welcomedAt !== undefined ? { welcomedAt } : {}),
          reason,
          ...(code !== undefined ? { code } : {}),
        });
      };

      const beat = () => {
        const waited = Date.now() - lastAck;
        if (waited > (this.o.answerTimeoutMs ?? Math.max(3 * this.beatMs, MIN_ANSWER_WAIT_MS)))
          return finish(`no heartbeat answer for ${waited} ms`);
        seq++;
        const sentUnixMs = Date.now();
        pending.set(seq, [performance.now(), sentUnixMs]);
        pending.delete(seq - 16); // an answer that never came
        this.write(call, { cluster: this.o.cluster, heartbeat: { seq, sentUnixMs } });
        this.o.onHeartbeatSent?.(sentUnixMs);
      };
      const paceTo = (ms: number) => {
        if (ms === this.beatMs) return;
        this.beatMs = ms;
        clearInterval(beatTimer);
        if (ms > 0) beatTimer = setInterval(beat, ms);
      };
      const onWelcome = (intervalHint: number, cell: string) => {
        welcomedAt = Date.now();
        lastAck = welcomedAt;
        this.bound = true;
        // Heartbeats only if the cell asks (it judges silence by them) or this agent was told to.
        const interval = Math.min(this.o.heartbeatIntervalMs || Infinity, intervalHint || Infinity);
        if (Number.isFinite(interval)) {
          baseMs = interval;
          paceTo(baseMs);
        }
        this.retime = (ms) => {
          lastAck = Date.now();
          baseMs = Math.min(ms || Infinity, intervalHint || Infinity);
          if (!Number.isFinite(baseMs)) baseMs = 0;
          paceTo(baseMs);
        };
        // Health when it changed (and at the slow refresh); the first read goes out at once.
        let sentKey = "";
        let sentAt = 0;
        const sendHealth = () =>
          void this.o.host.health().then(
            (h) => {
              if (!h || ended) return;
              const key = healthKey(h);
              if (key === sentKey && Date.now() - sentAt < (this.o.statusRefreshMs ?? 600_000)) return;
              sentKey = key;
              sentAt = Date.now();
              this.write(call, { cluster: this.o.cluster, health: h });
            },
            (e: unknown) => this.o.log.warn("could not read health", { error: e as Error }),
          );
        sendHealth();
        timers.push(setInterval(sendHealth, this.o.healthIntervalMs ?? 30_000));
        for (const r of this.o.journal.unacknowledged())
          this.write(call, { cluster: this.o.cluster, commandResult: r });
        this.o.onConnected?.(cell);
        void this.maybeRenew();
      };

      call.on("data", (m: CellMessage__Output) => {
        switch (m.body) {
          case "welcome":
            this.o.log.info("link up", {
              session: m.welcome!.sessionId,
              protocol: m.welcome!.protocolVersion,
              cellVersion: m.welcome!.cellVersion,
              ...(m.welcome!.cell ? { cell: m.welcome!.cell } : {}),
            });
            return onWelcome(m.welcome!.heartbeatIntervalMs, m.welcome!.cell);
          case "heartbeatAck": {
            lastAck = Date.now();
            if (m.heartbeatAck!.heartbeatIntervalMs && baseMs)
              paceTo(Math.max(baseMs, m.heartbeatAck!.heartbeatIntervalMs));
            const sent = pending.get(m.heartbeatAck!.seq);
            if (sent !== undefined) {
              pending.delete(m.heartbeatAck!.seq);
              this.o.onHeartbeatRtt?.(performance.now() - sent[0], sent[1]);
            }
            return;
          }
          case "command":
            return this.onCommand(call, m.command!);
          case "resultAck":
            void this.o.journal
              .acknowledge(m.resultAck!.commandId)
              .catch((e: unknown) => this.o.log.warn("could not record an acknowledgement", { error: e as Error }));
            return;
          case "renewed":
            if (m.renewed!.refused) return this.onRenewRefused(m.renewed!.refused, m.renewed!.retryAfterUnixMs);
            void this.onRenewed(m.renewed!.certificatePem);
            return;
          case undefined:
            // A message kind from a newer cell: its unknown field was skipped; nothing to do.
            this.o.log.debug("message of a kind this agent does not know: ignored");
            return;
          default: {
            const unreachable: never = m.body;
            return unreachable;
          }
        }
      });
      call.on("error", (e: grpc.ServiceError) => finish(`${e.code}: ${e.details || e.message}`, e.code));
      call.on("end", () => finish("the cell ended the stream"));
      timers.push(
        setTimeout(
          () => welcomedAt === undefined && finish("no Welcome from the cell"),
          this.o.welcomeTimeoutMs ?? MIN_ANSWER_WAIT_MS,
        ),
      );

      void this.o.host.describe().then(
        (d) =>
          this.write(call, {
            cluster: this.o.cluster,
            hello: {
              protocolVersion: PROTOCOL_VERSION,
              minProtocolVersion: MIN_PROTOCOL_VERSION,
              agentVersion: d.agentVersion,
              kubernetesVersion: d.kubernetesVersion,
              capabilities: d.capabilities,
              fipsMode: getFips() === 1,
              instance: this.instance,
            },
          }),
        (e: unknown) => finish(`could not describe the cluster: ${(e as Error).message}`),
      );
    });
  }

  private write(call: Call, m: AgentMessage): void {
    try {
      call.write(m);
    } catch {
      // the stream is ending; whatever mattered (results) is sent again on the next one
    }
  }

  /** Send on the current stream if there is one (results left unsent go out on the next stream). */
  private send(m: AgentMessage): void {
    if (this.call && this.bound) this.write(this.call, m);
  }

  private onCommand(call: Call, cmd: Command__Output): void {
    this.write(call, { cluster: this.o.cluster, commandAck: { commandId: cmd.id } });
    const done = this.o.journal.get(cmd.id);
    if (done) {
      this.o.log.info("duplicate command answered from the journal", { id: cmd.id });
      this.write(call, { cluster: this.o.cluster, commandResult: done.result });
      return;
    }
    if (this.o.journal.isRunning(cmd.id)) return;
    this.o.journal.begin(cmd.id);
    this.exec = this.exec.then(async () => {
      const result = await this.o.host.execute(cmd).catch((e: unknown): CommandResult => ({
        commandId: cmd.id,
        outcome: "FAILED",
        message: (e as Error).message,
        finishedUnixMs: Date.now(),
      }));
      this.o.log.info("command executed", {
        id: cmd.id,
        kind: cmd.kind ?? "unknown",
        outcome: result.outcome,
        message: result.message,
      });
      this.o.onExecuted?.(cmd.id);
      await this.o.journal
        .finish(cmd.id, result)
        .catch((e: unknown) =>
          this.o.log.warn("could not record a command in the journal", { id: cmd.id, error: e as Error }),
        );
      this.send({ cluster: this.o.cluster, commandResult: result });
    });
  }

  /** Ask for a new certificate once two thirds of the current one's life are gone. */
  private async maybeRenew(): Promise<void> {
    if (!this.o.host.saveCertificate || this.renewing || !this.bound || Date.now() < this.renewNotBefore) return;
    const { notBefore, notAfter } = this.identity;
    const total = notAfter.getTime() - notBefore.getTime();
    if (notAfter.getTime() - Date.now() > total / 3) return;
    const keys = await generateKeyPair("P-256");
    this.renewing = { keys, keyPem: await privateKeyPem(keys.privateKey) };
    this.o.log.info("renewing the client certificate", { notAfter: notAfter.toISOString() });
    this.send({ cluster: this.o.cluster, renew: { csrPem: await createAgentCsr(this.o.cluster, keys) } });
  }

  /** The cell said no (one renewal per interval, or a revoked identity): try again later. */
  private onRenewRefused(reason: string, retryAfterUnixMs: number): void {
    this.renewing = undefined;
    this.renewNotBefore = Math.max(retryAfterUnixMs, Date.now() + RENEW_CHECK_MS);
    this.o.log.warn("certificate renewal refused", {
      reason,
      retryAfter: new Date(this.renewNotBefore).toISOString(),
    });
  }

  private async onRenewed(certPem: string): Promise<void> {
    const r = this.renewing;
    this.renewing = undefined;
    if (!r || !this.o.host.saveCertificate) return;
    try {
      const { X509Certificate } = await import("node:crypto");
      const cert = new X509Certificate(certPem);
      const mine = createPublicKey(r.keyPem).export({ format: "der", type: "spki" });
      if (!cert.publicKey.export({ format: "der", type: "spki" }).equals(mine))
        throw new Error("renewed certificate is not for the requested key");
      await this.o.host.saveCertificate(certPem, r.keyPem);
      this.identity = {
        ...this.identity,
        cert: certPem,
        key: r.keyPem,
        notBefore: new Date(cert.validFrom),
        notAfter: new Date(cert.validTo),
      };
      this.o.log.info("client certificate renewed", { notAfter: this.identity.notAfter.toISOString() });
    } catch (e) {
      this.o.log.warn("could not take the renewed certificate", { error: e as Error });
    }
  }
}

/** Health without its observation time: equal keys are no change. */
function healthKey(h: Health): string {
  const phases = Object.entries(h.machinePhases ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([h.nodesReady, h.nodesTotal, h.controlPlaneReady, phases]);
}
