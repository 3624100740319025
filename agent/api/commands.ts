// Queue commands for a cluster's agent with nothing but the parent's kubeconfig: an AgentCommand
// object is the queue entry; the cell delivers it over the link and writes the result into its
// status (agent/cell/commands.ts). For dynamic providers, which run where no network path to the
// child exists.
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import { assertClusterName } from "../protocol/identity";
import type { PivotCommandSpec } from "./pivot-wire";
import {
  CLUSTER_LABEL,
  DEFAULT_NAMESPACE,
  LINK_API_VERSION,
  QUEUE_FIELD_MANAGER,
  isFinished,
  type AgentCommand,
  type AgentCommandSpec,
  type AgentCommandStatus,
  type CommandPhase,
} from "./types";

/** What to run: one of the command kinds. */
export type CommandBody =
  | { kind: "apply"; objects: KubeObject[] }
  | { kind: "import"; objects?: KubeObject[]; secretRefs?: { namespace: string; name: string }[] }
  | { kind: "reportStatus" }
  | { kind: "pivot"; step: PivotCommandSpec };

/** Where an enqueued command lives. */
export interface CommandHandle {
  namespace: string;
  name: string;
  uid: string;
  cluster: string;
}

export interface EnqueueOptions {
  /** The cell's namespace (default lattice-system). */
  namespace?: string;
  /** A deterministic name makes enqueueing idempotent: the same name and body return the same command. */
  name?: string;
  ttlSecondsAfterFinished?: number;
}

/** A name already used by a command with a different body. */
export class CommandConflictError extends Error {
  constructor(
    readonly namespace: string,
    readonly commandName: string,
  ) {
    super(
      `AgentCommand ${namespace}/${commandName} exists with a different spec: commands are immutable, use a new name`,
    );
    this.name = "CommandConflictError";
  }
}

/** The command did not finish in time; says where it was. */
export class CommandTimeoutError extends Error {
  constructor(
    readonly handle: CommandHandle,
    readonly phase: CommandPhase | undefined,
    timeoutMs: number,
  ) {
    super(
      `AgentCommand ${handle.namespace}/${handle.name} for cluster "${handle.cluster}" did not finish in ${timeoutMs} ms ` +
        `(phase ${phase ?? "Pending"}: ${phase === "Delivered" ? "the agent is executing it" : "waiting for the cluster's agent to connect"})`,
    );
    this.name = "CommandTimeoutError";
  }
}

/** A finished command's outcome. */
export interface CommandOutcome extends AgentCommandStatus {
  phase: CommandPhase;
}

function specOf(cluster: string, body: CommandBody, ttl: number | undefined): AgentCommandSpec {
  const spec: AgentCommandSpec = { cluster };
  switch (body.kind) {
    case "apply":
      spec.apply = { objects: body.objects };
      break;
    case "import":
      spec.import = {
        ...(body.objects ? { objects: body.objects } : {}),
        ...(body.secretRefs ? { secretRefs: body.secretRefs } : {}),
      };
      break;
    case "reportStatus":
      spec.reportStatus = {};
      break;
    case "pivot":
      spec.pivot = body.step;
      break;
    default: {
      const unreachable: never = body;
      return unreachable;
    }
  }
  if (ttl !== undefined) spec.ttlSecondsAfterFinished = ttl;
  return spec;
}

/** Queue a command for `cluster`'s agent. */
export async function enqueueCommand(
  kube: KubeClient,
  cluster: string,
  body: CommandBody,
  opts: EnqueueOptions = {},
): Promise<CommandHandle> {
  assertClusterName(cluster);
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const name = opts.name ?? `${cluster}-${randomBytes(5).toString("hex")}`;
  const spec = specOf(cluster, body, opts.ttlSecondsAfterFinished);
  const obj = {
    apiVersion: LINK_API_VERSION,
    kind: "AgentCommand",
    metadata: {
      name,
      namespace,
      labels: { [CLUSTER_LABEL]: cluster, "app.kubernetes.io/managed-by": QUEUE_FIELD_MANAGER },
    },
    spec,
  };
  let live: AgentCommand;
  try {
    live = await kube.create<AgentCommand>(obj);
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
    live = await kube.get<AgentCommand>({ apiVersion: LINK_API_VERSION, kind: "AgentCommand", namespace, name });
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(live.spec)), JSON.parse(JSON.stringify(spec))))
      throw new CommandConflictError(namespace, name);
  }
  return { namespace, name, uid: live.metadata.uid ?? "", cluster };
}

/** The command as stored now. */
export async function getCommand(
  kube: KubeClient,
  h: Pick<CommandHandle, "namespace" | "name">,
): Promise<AgentCommand> {
  return kube.get<AgentCommand>({
    apiVersion: LINK_API_VERSION,
    kind: "AgentCommand",
    namespace: h.namespace,
    name: h.name,
  });
}

/** Wait until the command finished (Succeeded, Failed or Rejected); CommandTimeoutError otherwise. */
export async function waitForResult(
  kube: KubeClient,
  h: CommandHandle,
  opts: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<CommandOutcome> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let phase: CommandPhase | undefined;
  for (;;) {
    const c = await getCommand(kube, h);
    phase = c.status?.phase;
    if (isFinished(phase)) return c.status as CommandOutcome;
    if (Date.now() >= deadline) throw new CommandTimeoutError(h, phase, timeoutMs);
    if (opts.signal?.aborted) throw new Error(`waiting for AgentCommand ${h.namespace}/${h.name} was aborted`);
    await sleep(Math.min(opts.pollMs ?? 500, Math.max(0, deadline - Date.now())));
  }
}
