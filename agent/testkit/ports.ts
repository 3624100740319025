// In-memory StatusPort and CommandPort for tests of the session over real gRPC streams: they record
// what the session reports and hold commands in a Map instead of the parent API (the parent-backed
// implementations are exercised by the integration tests against a real API server).
import type { CommandResult__Output, Health__Output } from "../protocol/load";
import type { CommandPort, CommandTarget, ConnectedInfo, ResultDisposition, StatusPort } from "../cell/ports";
import type { Command } from "../protocol/load";

/** Records every StatusPort call. */
export class RecordingStatus implements StatusPort {
  readonly events: {
    type: string;
    cluster: string;
    sessionId?: string;
    info?: ConnectedInfo;
    health?: Health__Output;
  }[] = [];
  heartbeats = 0;
  connected(cluster: string, info: ConnectedInfo): void {
    this.events.push({ type: "connected", cluster, sessionId: info.sessionId, info });
  }
  heartbeat(): void {
    this.heartbeats++;
  }
  health(cluster: string, health: Health__Output): void {
    this.events.push({ type: "health", cluster, health });
  }
  disconnected(cluster: string, sessionId: string): void {
    this.events.push({ type: "disconnected", cluster, sessionId });
  }
}

/** Commands by id; results recorded; attach/detach tracked. */
export class MemoryCommands implements CommandPort {
  readonly commands = new Map<string, Command>();
  readonly results = new Map<string, CommandResult__Output>();
  readonly acks: string[] = [];
  readonly attached = new Set<CommandTarget>();

  add(cmd: Command): void {
    this.commands.set(cmd.id!, cmd);
    for (const t of this.attached) if (t.cluster === cmd.cluster) t.sendCommand(cmd);
  }
  attach(target: CommandTarget): void {
    this.attached.add(target);
    for (const c of this.commands.values())
      if (c.cluster === target.cluster && !this.results.has(c.id!)) target.sendCommand(c);
  }
  detach(target: CommandTarget): void {
    this.attached.delete(target);
  }
  acknowledged(target: CommandTarget, id: string): "ok" | "foreign" {
    const c = this.commands.get(id);
    if (c && c.cluster !== target.cluster) return "foreign";
    this.acks.push(id);
    return "ok";
  }
  async result(target: CommandTarget, r: CommandResult__Output): Promise<ResultDisposition> {
    const c = this.commands.get(r.commandId);
    if (!c) return "unknown";
    if (c.cluster !== target.cluster) return "foreign";
    this.results.set(r.commandId, r);
    return "recorded";
  }
}
