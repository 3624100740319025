// The narrow interfaces a link session talks to. The session owns the stream; what it learns goes
// to a StatusPort (ClusterLink status in the parent) and a CommandPort (AgentCommands in the
// parent). Keeping them narrow lets the session be tested with real streams and simple sinks.
import type { CommandResult__Output, Command, Health__Output, Hello__Output } from "../protocol/load";

/** What the cell knows about a bound stream when it reports the cluster connected. */
export interface ConnectedInfo {
  sessionId: string;
  hello: Hello__Output;
  protocolVersion: number;
  /** When the stream was bound on this cell: the newest binding of a cluster owns its status. */
  connectedAtMs: number;
  certificateNotAfter?: Date;
}

/** Where per-cluster link status goes. Calls are cheap and never throw; writing is asynchronous. */
export interface StatusPort {
  connected(cluster: string, info: ConnectedInfo): void;
  /** A sign of life at `atMs` (a message or a PING answer); refreshes lastHeartbeatTime, slowly. */
  heartbeat(cluster: string, atMs: number): void;
  health(cluster: string, health: Health__Output): void;
  /** Only takes effect if `sessionId` is still the cluster's current session. */
  disconnected(cluster: string, sessionId: string): void;
}

/** A bound stream as the command bridge sees it. */
export interface CommandTarget {
  readonly cluster: string;
  readonly sessionId: string;
  /** Queue a command on the stream; false if the stream is gone. */
  sendCommand(cmd: Command): boolean;
}

/** What became of a result the agent sent. */
export type ResultDisposition =
  /** Recorded in the parent now or earlier: acknowledge it. */
  | "recorded"
  /** No such command (deleted meanwhile): acknowledge so the agent forgets it. */
  | "unknown"
  /** The command belongs to another cluster: the stream is misbehaving. */
  | "foreign";

/** Where commands come from and results go. */
export interface CommandPort {
  /** A stream for target.cluster is bound: send it every unfinished command. */
  attach(target: CommandTarget): void;
  detach(target: CommandTarget): void;
  /** The agent received command `id`; "foreign" if it is another cluster's. */
  acknowledged(target: CommandTarget, id: string): "ok" | "foreign";
  /** Record a result; resolves once it is durable in the parent (then the cell sends ResultAck). */
  result(target: CommandTarget, result: CommandResult__Output): Promise<ResultDisposition>;
}
