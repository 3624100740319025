// One agent stream on the cell. Its life:
//
//   opened ──Hello──► bound ──(end | cancel | error | replaced | revoked | silent | shutdown)──► closed
//
// The cluster comes from the client certificate before the first message (server.ts); every
// message must name that cluster or the stream ends with PERMISSION_DENIED. Until Hello only Hello
// is accepted. Binding registers the session (closing any older one for the cluster), reports the
// cluster connected and hands the session to the command bridge. Closing is idempotent and undoes
// exactly that, once, whatever ended the stream.
//
// The session owns no timer and no listener: the server feeds it messages (onMessage), the agent's
// half-close (onEnd) and the stream's end (onClosed). Liveness is the connection's (keepalive.ts).
import { randomUUID } from "node:crypto";
import type { Logger } from "../log";
import type {
  AgentMessage__Output,
  CellMessage,
  Command,
  CommandResult__Output,
  Hello__Output,
} from "../protocol/load";
import { LATTICE_VERSION, negotiate } from "../protocol/version";
import { Status } from "./grpc-frame";
import type { CommandPort, CommandTarget, StatusPort } from "./ports";
import type { SessionRegistry } from "./registry";

/** What the cell knows of the client certificate a stream was opened with. */
export interface PeerCertificate {
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
}

/** A signed renewal, or why not. */
export type RenewOutcome = { pem: string; notAfter: Date } | { refused: string; retryAfter?: Date };

/** Signs a renewal CSR for the stream's cluster (checks the rate limit and revocation first). */
export type RenewSigner = (cluster: string, csrPem: string, cert: PeerCertificate) => Promise<RenewOutcome>;

/** The stream as a session sees it: where its messages go and how it ends. */
export interface LinkCall {
  /** The agent's address, for logs. */
  readonly peer: string;
  /** Bytes queued towards the agent and not yet taken by the connection. */
  readonly bufferedBytes: number;
  send(msg: CellMessage): void;
  /** End the stream with a gRPC status (OK for a clean end). Idempotent. */
  finish(code: Status, details: string): void;
}

/** What every session of a server shares. */
export interface SessionDeps {
  registry: SessionRegistry<Session>;
  status: StatusPort;
  commands: CommandPort;
  renew: RenewSigner;
  log: Logger;
  /** This cell's instance name (in Welcome). */
  cell: string;
  /** The application heartbeat interval Welcome asks for; 0: none (liveness is HTTP/2 PING). */
  heartbeatIntervalMs: number;
  now?: () => number;
}

/** Streams buffering more than this towards a slow agent are dropped (it reconnects and resyncs). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

type State = "opened" | "bound" | "closed";

/** One agent stream. */
export class Session implements CommandTarget {
  readonly id = randomUUID();
  readonly openedAt: number;
  /** When Hello bound the stream (0 before). */
  boundAt = 0;
  lastSeen: number;
  private state: State = "opened";

  constructor(
    private readonly call: LinkCall,
    readonly cluster: string,
    readonly certificate: PeerCertificate,
    private readonly deps: SessionDeps,
    /** Told once when the stream is gone, whatever ended it. */
    private readonly onGone?: (s: Session) => void,
  ) {
    this.openedAt = this.lastSeen = this.now();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** This stream's logger, made when first needed (a quiet session never logs). */
  private get log(): Logger {
    return this.deps.log.child({ cluster: this.cluster, session: this.id });
  }

  get sessionId(): string {
    return this.id;
  }

  get isBound(): boolean {
    return this.state === "bound";
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  /** Send a message; false if the stream is closed or hopelessly backed up (then it is closed). */
  send(msg: CellMessage): boolean {
    if (this.state === "closed") return false;
    if (this.call.bufferedBytes > MAX_BUFFERED_BYTES) {
      this.close(Status.RESOURCE_EXHAUSTED, "agent is not reading its stream");
      return false;
    }
    this.call.send(msg);
    return true;
  }

  sendCommand(cmd: Command): boolean {
    return this.state === "bound" && this.send({ command: cmd });
  }

  /** End the stream with a status (OK for a clean end) and clean up. Idempotent. */
  close(code: Status, details: string): void {
    if (this.state === "closed") return;
    this.cleanup(details);
    this.call.finish(code, details);
  }

  /** The agent half-closed: it is leaving; finish our side with OK. */
  onEnd(): void {
    this.close(Status.OK, "agent ended the stream");
  }

  /** The stream is gone (closed, reset, connection lost). */
  onClosed(reason: string): void {
    this.cleanup(reason);
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

  onMessage(m: AgentMessage__Output): void {
    if (this.state === "closed") return;
    if (m.cluster !== this.cluster) {
      this.log.warn("message about another cluster rejected", { claimed: m.cluster, kind: m.body ?? "unknown" });
      this.close(
        Status.PERMISSION_DENIED,
        `this stream is bound to cluster "${this.cluster}" by its certificate; a message about "${m.cluster}" is not accepted`,
      );
      return;
    }
    this.lastSeen = this.now();
    if (this.state === "opened" && m.body !== "hello") {
      this.close(Status.FAILED_PRECONDITION, "the first message on a link stream must be Hello");
      return;
    }
    switch (m.body) {
      case "hello":
        return this.onHello(m.hello!);
      case "heartbeat":
        this.send({ heartbeatAck: { seq: m.heartbeat!.seq, sentUnixMs: m.heartbeat!.sentUnixMs } });
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
      this.close(Status.FAILED_PRECONDITION, "Hello sent twice on one stream");
      return;
    }
    const v = negotiate({ max: hello.protocolVersion, min: hello.minProtocolVersion });
    if (!v.ok) {
      this.log.warn("protocol version refused", { agentVersion: hello.agentVersion, reason: v.reason });
      this.close(Status.FAILED_PRECONDITION, v.reason);
      return;
    }
    this.state = "bound";
    this.boundAt = this.now();
    const replaced = this.deps.registry.bind(this);
    if (replaced) {
      this.log.info("newer stream replaces the previous one", { replaced: replaced.id });
      replaced.close(Status.ABORTED, "replaced by a newer stream for the same cluster");
    }
    this.send({
      welcome: {
        protocolVersion: v.version,
        cellVersion: LATTICE_VERSION,
        heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
        sessionId: this.id,
        cell: this.deps.cell,
      },
    });
    this.deps.status.connected(this.cluster, {
      sessionId: this.id,
      hello,
      protocolVersion: v.version,
      connectedAtMs: this.boundAt,
      ...(this.certificate.notAfter ? { certificateNotAfter: this.certificate.notAfter } : {}),
    });
    this.log.info("stream bound", {
      agentVersion: hello.agentVersion,
      kubernetesVersion: hello.kubernetesVersion,
      protocol: v.version,
      instance: hello.instance,
      peer: this.call.peer,
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
    this.close(Status.PERMISSION_DENIED, `command ${id} does not belong to cluster "${this.cluster}"`);
  }

  private async onRenew(csrPem: string): Promise<void> {
    let out: RenewOutcome;
    try {
      out = await this.deps.renew(this.cluster, csrPem, this.certificate);
    } catch (e) {
      this.log.warn("certificate renewal failed", { error: e as Error });
      out = { refused: "the cell could not sign the renewal now; try again later" };
    }
    if ("refused" in out) {
      this.log.warn("certificate renewal refused", { reason: out.refused, retryAfter: out.retryAfter?.toISOString() });
      this.send({ renewed: { refused: out.refused, retryAfterUnixMs: out.retryAfter?.getTime() ?? 0 } });
      return;
    }
    this.send({ renewed: { certificatePem: out.pem, notAfterUnixMs: out.notAfter.getTime() } });
    this.log.info("client certificate renewed", { notAfter: out.notAfter.toISOString() });
  }
}
