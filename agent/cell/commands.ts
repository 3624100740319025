// The command bridge: AgentCommand objects in the parent ⇄ Command/Result messages on streams.
//
//   AgentCommand (Pending) ──informer──► cache ──attach/upsert──► stream: Command{id=uid}
//   agent: CommandAck{id}         ──► status.phase = Delivered (attempts+1), unless the result is quicker
//   agent: CommandResult{id}      ──► status.phase = Succeeded|Failed|Rejected ──► ResultAck{id}
//
// The parent is the queue: nothing lives only in the cell. Every replica watches every command;
// the one holding the cluster's stream sends it. After a restart or a failover, every command
// without a recorded result is sent again on the cluster's next stream, wherever it lands; the
// agent answers a duplicate from its journal without executing it twice. A result is acknowledged
// only once it is written, so a result the cell could not record is sent again by the agent.
//
// Status writes are compare-and-swap (merge patch carrying the resourceVersion read): two replicas
// — a stale stream's and the new one's — cannot both record a result, and a finished status is
// never overwritten. A quick command gets one write: the Delivered write waits `deliveredDelayMs`
// and is folded into the result's when the result comes first. Finished commands are kept in
// reduced form and deleted after spec.ttlSecondsAfterFinished by the leader (leader.ts).
import { KubeError, isNotFound, type KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import type { CommandResult__Output } from "../protocol/load";
import {
  LINK_API_VERSION,
  isFinished,
  type AgentCommand,
  type AgentCommandStatus,
  type SecretObject,
} from "../api/types";
import { CommandBuildError, statusFromResult, toWireCommand } from "./command-wire";
import { Informer } from "./informer";
import { toPivotStep } from "./pivot-wire";
import type { CommandPort, CommandTarget, ResultDisposition } from "./ports";

const RESOLVED: Promise<void> = Promise.resolve();

/** Default time a finished command is kept. */
export const DEFAULT_TTL_SECONDS = 3600;

interface Attached {
  target: CommandTarget;
  /** Commands sent on this stream (not re-sent when their object changes); made on first send. */
  sent?: Set<string>;
  /** Sends happen in order, one after the other (an import may first read Secrets). */
  chain: Promise<void>;
}

/** A finished command without its spec's payload: what GC and duplicate results need. */
function reduced(c: AgentCommand): AgentCommand {
  return {
    apiVersion: c.apiVersion,
    kind: c.kind,
    metadata: {
      name: c.metadata.name,
      ...(c.metadata.uid ? { uid: c.metadata.uid } : {}),
      ...(c.metadata.resourceVersion ? { resourceVersion: c.metadata.resourceVersion } : {}),
      ...(c.metadata.creationTimestamp ? { creationTimestamp: c.metadata.creationTimestamp } : {}),
    },
    spec: {
      cluster: c.spec.cluster,
      ...(c.spec.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: c.spec.ttlSecondsAfterFinished }
        : {}),
    },
    status: {
      ...(c.status?.phase ? { phase: c.status.phase } : {}),
      ...(c.status?.completedTime ? { completedTime: c.status.completedTime } : {}),
    },
  };
}

/** CommandPort backed by AgentCommands in one namespace of the parent. */
export class CommandBridge implements CommandPort {
  private readonly commands = new Map<string, AgentCommand>();
  /** cluster → uids of its commands (a stream binding looks at its own cluster's only). */
  private readonly byCluster = new Map<string, Set<string>>();
  private readonly targets = new Map<string, Attached>();
  /** Status writes per command, one after the other (an ack write must not land after the result). */
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Acknowledged commands whose Delivered write has not been made (folded into the result's). */
  private readonly unwrittenAcks = new Map<string, number>();
  private readonly informer: Informer<AgentCommand>;
  /** Status writes made and compare-and-swap retries (stats). */
  writeCount = 0;
  conflicts = 0;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly opts: { deliveredDelayMs?: number } = {},
  ) {
    this.informer = new Informer<AgentCommand>(
      kube,
      LINK_API_VERSION,
      "AgentCommand",
      namespace,
      {
        upsert: (c) => this.upsert(c),
        remove: (c) => this.remove(c),
      },
      log,
      reduced,
    );
  }

  /** Resolves when the cache holds every command (start streams only after this). */
  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  attach(target: CommandTarget): void {
    const a: Attached = { target, chain: RESOLVED };
    this.targets.set(target.cluster, a);
    const pending = [...(this.byCluster.get(target.cluster) ?? [])]
      .map((uid) => this.commands.get(uid)!)
      .filter((c) => !isFinished(c.status?.phase))
      .sort(byCreation);
    for (const c of pending) this.send(a, c);
  }

  detach(target: CommandTarget): void {
    if (this.targets.get(target.cluster)?.target === target) this.targets.delete(target.cluster);
  }

  acknowledged(target: CommandTarget, id: string): "ok" | "foreign" {
    const c = this.commands.get(id);
    if (!c) return "ok";
    if (c.spec.cluster !== target.cluster) return "foreign";
    if (isFinished(c.status?.phase)) return "ok";
    const at = Date.now();
    this.unwrittenAcks.set(id, at);
    const write = () => {
      if (this.unwrittenAcks.get(id) !== at) return; // folded into the result, or a newer ack
      void this.updateStatus(id, (st) => {
        if (isFinished(st.phase) || this.unwrittenAcks.get(id) !== at) return undefined;
        this.unwrittenAcks.delete(id);
        return {
          ...st,
          phase: "Delivered",
          deliveredTime: new Date(at).toISOString(),
          attempts: (st.attempts ?? 0) + 1,
        };
      }).catch((e: unknown) =>
        this.log.warn("could not mark a command delivered", { command: c.metadata.name, error: e as Error }),
      );
    };
    const delay = this.opts.deliveredDelayMs ?? 500;
    if (delay <= 0) write();
    else setTimeout(write, delay).unref();
    return "ok";
  }

  async result(target: CommandTarget, r: CommandResult__Output): Promise<ResultDisposition> {
    const c = this.commands.get(r.commandId);
    if (!c) {
      this.log.info("result for a command that no longer exists: acknowledged", {
        cluster: target.cluster,
        command: r.commandId,
      });
      return "unknown";
    }
    if (c.spec.cluster !== target.cluster) return "foreign";
    // A result already recorded is a duplicate (re-sent after a reconnect): nothing to write.
    const next = await this.updateStatus(r.commandId, (st) => {
      if (isFinished(st.phase)) return undefined;
      const ackAt = this.unwrittenAcks.get(r.commandId);
      this.unwrittenAcks.delete(r.commandId);
      return {
        ...st,
        ...(ackAt !== undefined
          ? { attempts: (st.attempts ?? 0) + 1, deliveredTime: st.deliveredTime ?? new Date(ackAt).toISOString() }
          : {}),
        ...statusFromResult(r, Date.now()),
      };
    });
    if (next)
      this.log.info("command finished", {
        cluster: c.spec.cluster,
        command: c.metadata.name,
        id: r.commandId,
        phase: next.phase,
      });
    return "recorded";
  }

  /** Unfinished commands in the cache (for tests and metrics). */
  pendingCount(): number {
    let n = 0;
    for (const c of this.commands.values()) if (!isFinished(c.status?.phase)) n++;
    return n;
  }

  private upsert(c: AgentCommand): void {
    const uid = c.metadata.uid;
    if (!uid) return;
    const finished = isFinished(c.status?.phase);
    this.commands.set(uid, finished ? reduced(c) : c);
    let ids = this.byCluster.get(c.spec.cluster);
    if (!ids) this.byCluster.set(c.spec.cluster, (ids = new Set()));
    ids.add(uid);
    const a = this.targets.get(c.spec.cluster);
    if (a && !finished && !a.sent?.has(uid)) this.send(a, c);
  }

  private remove(c: AgentCommand): void {
    const uid = c.metadata.uid;
    if (!uid) return;
    this.commands.delete(uid);
    this.unwrittenAcks.delete(uid);
    const ids = this.byCluster.get(c.spec.cluster);
    ids?.delete(uid);
    if (ids?.size === 0) this.byCluster.delete(c.spec.cluster);
  }

  private send(a: Attached, c: AgentCommand): void {
    const uid = c.metadata.uid!;
    (a.sent ??= new Set()).add(uid);
    a.chain = a.chain
      .then(async () => {
        try {
          const wire = await toWireCommand(
            c,
            (ns, name) => this.readSecret(ns, name),
            (cluster, spec) => toPivotStep(this.kube, this.namespace, cluster, spec),
          );
          if (a.target.sendCommand(wire))
            this.log.debug("command sent", { cluster: c.spec.cluster, command: c.metadata.name, id: uid });
        } catch (e) {
          if (!(e instanceof CommandBuildError)) throw e;
          this.log.warn("command cannot be sent", {
            cluster: c.spec.cluster,
            command: c.metadata.name,
            reason: e.message,
          });
          await this.updateStatus(uid, (st) =>
            isFinished(st.phase)
              ? undefined
              : { ...st, phase: "Rejected", message: e.message, completedTime: new Date().toISOString() },
          );
        }
      })
      .catch((e: unknown) => {
        a.sent?.delete(uid); // try again on the next upsert or stream
        this.log.warn("could not send a command", { command: c.metadata.name, error: e as Error });
      });
  }

  /**
   * Write the status `update` derives from the latest one (undefined: no write), as a
   * compare-and-swap; on a conflict the command is read again and `update` asked again. Writes for
   * one command run in order; resolves with what was written.
   */
  private updateStatus(
    uid: string,
    update: (st: AgentCommandStatus) => AgentCommandStatus | undefined,
  ): Promise<AgentCommandStatus | undefined> {
    const run = (this.writes.get(uid) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        let lastError: unknown;
        for (let attempt = 0; attempt < 5; attempt++) {
          const cur = this.commands.get(uid);
          if (!cur) return undefined; // deleted meanwhile
          const status = update(cur.status ?? {});
          if (!status) return undefined;
          try {
            const live = await this.patchStatus(cur, status);
            this.writeCount++;
            this.store(live);
            return status;
          } catch (e) {
            lastError = e;
            if (isNotFound(e)) return undefined;
            if (e instanceof KubeError && e.status === 409) {
              this.conflicts++;
              const fresh = await this.kube.getOrUndefined<AgentCommand>(this.ref(cur.metadata.name));
              if (!fresh) return undefined;
              this.store(fresh);
              continue;
            }
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          }
        }
        throw lastError;
      });
    this.writes.set(uid, run);
    void run
      .finally(() => {
        if (this.writes.get(uid) === run) this.writes.delete(uid);
      })
      .catch(() => undefined);
    return run;
  }

  /** Keep what the parent returned (ahead of the watch event carrying it). */
  private store(c: AgentCommand): void {
    const uid = c.metadata.uid;
    if (!uid || !this.commands.has(uid)) return;
    const full = { ...c, apiVersion: LINK_API_VERSION, kind: "AgentCommand" };
    this.commands.set(uid, isFinished(c.status?.phase) ? reduced(full) : full);
  }

  private ref(name: string) {
    return { apiVersion: LINK_API_VERSION, kind: "AgentCommand", namespace: this.namespace, name };
  }

  /** Merge patch of the status, conditional on the resourceVersion the cache holds. */
  private async patchStatus(c: AgentCommand, status: AgentCommandStatus): Promise<AgentCommand> {
    const path = await this.kube.pathOf(LINK_API_VERSION, "AgentCommand", this.namespace, c.metadata.name);
    return this.kube.request<AgentCommand>(
      "PATCH",
      `${path}/status`,
      { metadata: { resourceVersion: c.metadata.resourceVersion }, status },
      "application/merge-patch+json",
    );
  }

  private async readSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    return this.kube.getOrUndefined<SecretObject>({ apiVersion: "v1", kind: "Secret", namespace, name });
  }

  /** Delete commands finished longer than their TTL ago (the leader's job: one writer suffices). */
  async collectGarbage(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (const c of [...this.commands.values()]) {
      const st = c.status ?? {};
      const ttl = c.spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS;
      if (!isFinished(st.phase) || ttl === 0 || !st.completedTime) continue;
      if (Date.parse(st.completedTime) + ttl * 1000 > now) continue;
      const gone = await this.kube
        .delete(
          this.ref(c.metadata.name),
          c.metadata.resourceVersion ? { resourceVersion: c.metadata.resourceVersion } : {},
        )
        .catch((e: unknown) => {
          this.log.debug("could not delete a finished command", { command: c.metadata.name, error: e as Error });
          return false;
        });
      if (gone) deleted++;
    }
    return deleted;
  }
}

function byCreation(a: AgentCommand, b: AgentCommand): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  return ta < tb
    ? -1
    : ta > tb
      ? 1
      : a.metadata.name < b.metadata.name
        ? -1
        : a.metadata.name > b.metadata.name
          ? 1
          : 0;
}
