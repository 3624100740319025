// One agent stream on the cell. Its life:
//
//   opened ──Hello──► bound ──(end | cancel | error | replaced | silent | shutdown)──► closed
//
// The cluster comes from the client certificate before the first message (server.ts); every
// message must name that cluster or the stream ends with PERMISSION_DENIED. Until Hello only Hello
// is accepted. Binding registers the session (closing any older one for the cluster), reports the
// cluster connected and hands the session to the command bridge. Closing is idempotent and undoes
// exactly that, once, whatever ended the stream.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../log";
import type {
  AgentMessage__Output,
  CellMessage,
  Command,
  CommandResult__Output,
  Hello__Output,
} from "../protocol/load";
import { LATTICE_VERSION, negotiate } from "../protocol/version";
import type { CommandPort, CommandTarget, StatusPort } from "./ports";
import type { SessionRegistry } from "./registry";

/** Signs a renewal CSR for the stream's cluster. */
export type RenewSigner = (cluster: string, csrPem: string) => Promise<{ pem: string; notAfter: Date }>;

/** What every session of a server shares. */
export interface SessionDeps {
  registry: SessionRegistry<Session>;
  status: StatusPort;
  commands: CommandPort;
  renew: RenewSigner;
  log: Logger;
  heartbeatIntervalMs: number;
  /** The heartbeat interval to ask for in each ack (the pacer's current value). */
  pacer: { readonly intervalMs: number };
  now?: () => number;
}

/** Streams buffering more than this towards a slow agent are dropped (it reconnects and resyncs). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

type Call = grpc.ServerDuplexStream<AgentMessage__Output, CellMessage>;
type State = "opened" | "bound" | "closed";

/** One agent stream. */
export class Session implements CommandTarget {
  readonly id = randomUUID();
  readonly openedAt: number;
  lastSeen: number;
  private state: State = "opened";
  private readonly now: () => number;

  constructor(
    private readonly call: Call,
    readonly cluster: string,
    private readonly certificateNotAfter: Date | undefined,
    private readonly deps: SessionDeps,
    /** Told once when the stream is gone, whatever ended it. */
    private readonly onGone?: (s: Session) => void,
  ) {
    this.now = deps.now ?? Date.now;
    this.openedAt = this.lastSeen = this.now();
  }

  /** This stream's logger, made when first needed (a session that only heartbeats never logs). */
  private get log(): Logger {
    return this.deps.log.child({ cluster: this.cluster, session: this.id });
  }

  get sessionId(): string {
    return this.id;
  }

  get isBound(): boolean {
    return this.state === "bound";
  }

  /** Wire the stream's events. */
  start(): void {
    this.call.on("data", (m: AgentMessage__Output) => this.onMessage(m));
    // The agent half-closed: it is leaving; finish our side with OK.
    this.call.on("end", () => this.close(grpc.status.OK, "agent ended the stream"));
    this.call.on("cancelled", () => this.cleanup("cancelled by the agent or its connection"));
    this.call.on("error", (e: Error) => this.cleanup(`stream error: ${e.message}`));
    this.call.on("close", () => this.cleanup("stream closed"));
  }

  /** Send a message; false if the stream is closed or hopelessly backed up (then it is closed). */
  send(msg: CellMessage): boolean {
    if (this.state === "closed") return false;
    if (this.call.writableLength > MAX_BUFFERED_BYTES) {
      this.close(grpc.status.RESOURCE_EXHAUSTED, "agent is not reading its stream");
      return false;
    }
    this.call.write(msg);
    return true;
  }

  sendCommand(cmd: Command): boolean {
    return this.state === "bound" && this.send({ command: cmd });
  }

  /** End the stream with a status (OK for a clean end) and clean up. Idempotent. */
  close(code: grpc.status, details: string): void {
    if (this.state === "closed") return;
    this.cleanup(details);
    try {
      if (code === grpc.status.OK) this.call.end();
      else this.call.emit("error", { code, details }); // grpc-js: sends this status as the trailer
    } catch {
      // the stream is already gone
    }
  }

  private cleanup(reason: string): void {
    if (this.state === "closed") return;
    const wasBound = this.state === "bound";
    this.state = "closed";
    this.onGone?.(this);
    if (!wasBound) return;
    this.deps.commands.detach(this);
    if (this.deps.registry.unbind(this)) {
      this.deps.status.disconnected(this.cluster, this.id);
      this.log.info("stream closed", { reason });
    } else {
      this.log.info("replaced stream closed", { reason });
    }
  }

  private onMessage(m: AgentMessage__Output): void {
    if (this.state === "closed") return;
    if (m.cluster !== this.cluster) {
      this.log.warn("message about another cluster rejected", { claimed: m.cluster, kind: m.body ?? "unknown" });
      this.close(
        grpc.status.PERMISSION_DENIED,
        `this stream is bound to cluster "${this.cluster}" by its certificate; a message about "${m.cluster}" is not accepted`,
      );
      return;
    }
    this.lastSeen = this.now();
    if (this.state === "opened" && m.body !== "hello") {
      this.close(grpc.status.FAILED_PRECONDITION, "the first message on a link stream must be Hello");
      return;
    }
    switch (m.body) {
      case "hello":
        return this.onHello(m.hello!);
      case "heartbeat":
        this.send({
          heartbeatAck: {
            seq: m.heartbeat!.seq,
            sentUnixMs: m.heartbeat!.sentUnixMs,
            heartbeatIntervalMs: this.deps.pacer.intervalMs,
          },
        });
        this.deps.status.heartbeat(this.cluster, this.lastSeen);
        return;
      case "health":
        this.deps.status.health(this.cluster, m.health!);
        return;
      case "commandAck":
        if (this.deps.commands.acknowledged(this, m.commandAck!.commandId) === "foreign")
          this.foreignCommand(m.commandAck!.commandId);
        return;
      case "commandResult":
        void this.onResult(m.commandResult!);
        return;
      case "renew":
        void this.onRenew(m.renew!.csrPem);
        return;
      case undefined:
        // A message kind from a newer agent: protobuf skipped the unknown field, so no body is set.
        this.log.debug("message of a kind this cell does not know: ignored");
        return;
      default: {
        const unreachable: never = m.body;
        return unreachable;
      }
    }
  }

  private onHello(hello: Hello__Output): void {
    if (this.state === "bound") {
      this.close(grpc.status.FAILED_PRECONDITION, "Hello sent twice on one stream");
      return;
    }
    const v = negotiate({ max: hello.protocolVersion, min: hello.minProtocolVersion });
    if (!v.ok) {
      this.log.warn("protocol version refused", { agentVersion: hello.agentVersion, reason: v.reason });
      this.close(grpc.status.FAILED_PRECONDITION, v.reason);
      return;
    }
    this.state = "bound";
    const replaced = this.deps.registry.bind(this);
    if (replaced) {
      this.log.info("newer stream replaces the previous one", { replaced: replaced.id });
      replaced.close(grpc.status.ABORTED, "replaced by a newer stream for the same cluster");
    }
    this.send({
      welcome: {
        protocolVersion: v.version,
        cellVersion: LATTICE_VERSION,
        heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
        sessionId: this.id,
      },
    });
    this.deps.status.connected(this.cluster, {
      sessionId: this.id,
      hello,
      protocolVersion: v.version,
      ...(this.certificateNotAfter ? { certificateNotAfter: this.certificateNotAfter } : {}),
    });
    this.log.info("stream bound", {
      agentVersion: hello.agentVersion,
      kubernetesVersion: hello.kubernetesVersion,
      protocol: v.version,
      instance: hello.instance,
    });
    this.deps.commands.attach(this);
  }

  private async onResult(r: CommandResult__Output): Promise<void> {
    try {
      const d = await this.deps.commands.result(this, r);
      if (d === "foreign") return this.foreignCommand(r.commandId);
      this.send({ resultAck: { commandId: r.commandId } });
    } catch (e) {
      // Not recorded: no ResultAck, so the agent keeps the result and sends it again.
      this.log.warn("could not record a command result; the agent will resend it", {
        command: r.commandId,
        error: e as Error,
      });
    }
  }

  private foreignCommand(id: string): void {
    this.log.warn("message about another cluster's command rejected", { command: id });
    this.close(grpc.status.PERMISSION_DENIED, `command ${id} does not belong to cluster "${this.cluster}"`);
  }

  private async onRenew(csrPem: string): Promise<void> {
    try {
      const cert = await this.deps.renew(this.cluster, csrPem);
      this.send({ renewed: { certificatePem: cert.pem, notAfterUnixMs: cert.notAfter.getTime() } });
      this.log.info("client certificate renewed", { notAfter: cert.notAfter.toISOString() });
    } catch (e) {
      this.log.warn("certificate renewal refused", { error: e as Error });
    }
  }
}
