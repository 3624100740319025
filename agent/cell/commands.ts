// The command bridge: AgentCommand objects in the parent ⇄ Command/Result messages on streams.
//
//   AgentCommand (Pending) ──informer──► cache ──attach/upsert──► stream: Command{id=uid}
//   agent: CommandAck{id}         ──► status.phase = Delivered (attempts+1)
//   agent: CommandResult{id}      ──► status.phase = Succeeded|Failed|Rejected ──► ResultAck{id}
//
// The parent is the queue: nothing lives only in the cell. After a cell restart, every command
// without a recorded result is sent again on the next stream; the agent answers a duplicate from
// its journal without executing it twice. A result is acknowledged only once it is written, so a
// result the cell could not record is sent again by the agent. Finished commands are deleted after
// spec.ttlSecondsAfterFinished.
import type { KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import type { CommandResult__Output } from "../protocol/load";
import {
  CELL_FIELD_MANAGER,
  LINK_API_VERSION,
  isFinished,
  type AgentCommand,
  type AgentCommandStatus,
  type SecretObject,
} from "../api/types";
import { CommandBuildError, statusFromResult, toWireCommand } from "./command-wire";
import { Informer } from "./informer";
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

/** CommandPort backed by AgentCommands in one namespace of the parent. */
export class CommandBridge implements CommandPort {
  private readonly commands = new Map<string, AgentCommand>();
  /** cluster → uids of its commands (a stream binding looks at its own cluster's only). */
  private readonly byCluster = new Map<string, Set<string>>();
  /** The last status this cell wrote per command: each write carries the whole status (SSA). */
  private readonly written = new Map<string, AgentCommandStatus>();
  private readonly targets = new Map<string, Attached>();
  /** Status writes per command, one after the other (an ack write must not land after the result). */
  private readonly writes = new Map<string, Promise<unknown>>();
  private readonly informer: Informer<AgentCommand>;
  private gcTimer?: NodeJS.Timeout;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
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
    );
  }

  /** Resolves when the cache holds every command (start streams only after this). */
  async start(gcIntervalMs = 60_000): Promise<void> {
    await this.informer.start();
    this.gcTimer = setInterval(() => void this.collectGarbage(), gcIntervalMs);
    this.gcTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.gcTimer);
    await this.informer.stop();
  }

  attach(target: CommandTarget): void {
    const a: Attached = { target, chain: RESOLVED };
    this.targets.set(target.cluster, a);
    const pending = [...(this.byCluster.get(target.cluster) ?? [])]
      .map((uid) => this.commands.get(uid)!)
      .filter((c) => !isFinished(this.statusOf(c).phase))
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
    void this.updateStatus(c, (st) =>
      isFinished(st.phase)
        ? undefined
        : { ...st, phase: "Delivered", deliveredTime: new Date().toISOString(), attempts: (st.attempts ?? 0) + 1 },
    ).catch((e: unknown) =>
      this.log.warn("could not mark a command delivered", { command: c.metadata.name, error: e as Error }),
    );
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
    const next = await this.updateStatus(c, (st) =>
      isFinished(st.phase) ? undefined : { ...st, ...statusFromResult(r, Date.now()) },
    );
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
    for (const c of this.commands.values()) if (!isFinished(this.statusOf(c).phase)) n++;
    return n;
  }

  private upsert(c: AgentCommand): void {
    const uid = c.metadata.uid;
    if (!uid) return;
    this.commands.set(uid, c);
    let ids = this.byCluster.get(c.spec.cluster);
    if (!ids) this.byCluster.set(c.spec.cluster, (ids = new Set()));
    ids.add(uid);
    const a = this.targets.get(c.spec.cluster);
    if (a && !isFinished(this.statusOf(c).phase) && !a.sent?.has(uid)) this.send(a, c);
  }

  private remove(c: AgentCommand): void {
    const uid = c.metadata.uid;
    if (!uid) return;
    this.commands.delete(uid);
    this.written.delete(uid);
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
          const wire = await toWireCommand(c, (ns, name) => this.readSecret(ns, name));
          if (a.target.sendCommand(wire))
            this.log.debug("command sent", { cluster: c.spec.cluster, command: c.metadata.name, id: uid });
        } catch (e) {
          if (!(e instanceof CommandBuildError)) throw e;
          this.log.warn("command cannot be sent", {
            cluster: c.spec.cluster,
            command: c.metadata.name,
            reason: e.message,
          });
          await this.updateStatus(c, (st) => ({
            ...st,
            phase: "Rejected",
            message: e.message,
            completedTime: new Date().toISOString(),
          }));
        }
      })
      .catch((e: unknown) => {
        a.sent?.delete(uid); // try again on the next upsert or stream
        this.log.warn("could not send a command", { command: c.metadata.name, error: e as Error });
      });
  }

  private statusOf(c: AgentCommand): AgentCommandStatus {
    return this.written.get(c.metadata.uid!) ?? c.status ?? {};
  }

  /**
   * Write the status `update` derives from the latest one (undefined: no write). Writes for one
   * command run in order; resolves with what was written.
   */
  private updateStatus(
    c: AgentCommand,
    update: (st: AgentCommandStatus) => AgentCommandStatus | undefined,
  ): Promise<AgentCommandStatus | undefined> {
    const uid = c.metadata.uid!;
    const run = (this.writes.get(uid) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const status = update(this.statusOf(this.commands.get(uid) ?? c));
        if (!status) return undefined;
        const body = {
          apiVersion: LINK_API_VERSION,
          kind: "AgentCommand",
          metadata: { name: c.metadata.name, namespace: this.namespace },
          status,
        };
        let lastError: unknown;
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await this.kube.applyStatus(body, CELL_FIELD_MANAGER);
            this.written.set(uid, status);
            return status;
          } catch (e) {
            lastError = e;
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

  private async readSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    return this.kube.getOrUndefined<SecretObject>({ apiVersion: "v1", kind: "Secret", namespace, name });
  }

  private async collectGarbage(): Promise<void> {
    const now = Date.now();
    for (const c of this.commands.values()) {
      const st = this.statusOf(c);
      const ttl = c.spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS;
      if (!isFinished(st.phase) || ttl === 0 || !st.completedTime) continue;
      if (Date.parse(st.completedTime) + ttl * 1000 > now) continue;
      await this.kube
        .delete(
          { apiVersion: LINK_API_VERSION, kind: "AgentCommand", namespace: this.namespace, name: c.metadata.name },
          c.metadata.resourceVersion ? { resourceVersion: c.metadata.resourceVersion } : {},
        )
        .catch((e: unknown) =>
          this.log.debug("could not delete a finished command", { command: c.metadata.name, error: e as Error }),
        );
    }
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
