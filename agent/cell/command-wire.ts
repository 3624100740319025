// Between AgentCommand objects in the parent and Command/CommandResult messages on the stream.
// Pure except for reading the Secrets an import references (a function passed in).
import type { KubeObject } from "../../core/k8s/object";
import type { PivotCommandSpec } from "../api/pivot-wire";
import type { Command, CommandResult__Output, ObjectResult__Output, PivotStep } from "../protocol/load";
import { toLinkHealth } from "./status";
import {
  CAPI_CLUSTER_NAME_LABEL,
  type AgentCommand,
  type AgentCommandStatus,
  type CommandPhase,
  type ObjectOutcome,
  type SecretObject,
} from "../api/types";

/** A command the cell cannot send as written; recorded as Rejected with this message. */
export class CommandBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandBuildError";
  }
}

/** Reads one Secret of the parent (undefined when absent). */
export type SecretReader = (namespace: string, name: string) => Promise<SecretObject | undefined>;

/** Server-populated metadata that must not travel to another cluster. */
const SERVER_FIELDS = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
];

/** A copy of obj without the fields its current API server owns. */
export function forTransfer(obj: KubeObject): KubeObject {
  const metadata = { ...(obj.metadata as unknown as Record<string, unknown>) };
  for (const f of SERVER_FIELDS) delete metadata[f];
  return { ...obj, metadata: metadata as unknown as KubeObject["metadata"] };
}

/** Builds the wire step of a pivot command (./pivot-wire.ts: checked against its journal). */
export type PivotStepBuilder = (cluster: string, spec: PivotCommandSpec) => Promise<PivotStep>;

/** The wire form of a command (secrets referenced by an import are read and inlined here). */
export async function toWireCommand(
  cmd: AgentCommand,
  readSecret: SecretReader,
  pivotStep?: PivotStepBuilder,
): Promise<Command> {
  const { spec } = cmd;
  const id = cmd.metadata.uid;
  if (!id) throw new CommandBuildError("command has no uid");
  const base = { id, cluster: spec.cluster };
  if (spec.apply)
    return { ...base, apply: { objectsJson: spec.apply.objects.map((o) => JSON.stringify(forTransfer(o))) } };
  if (spec.import) {
    const objects = (spec.import.objects ?? []).map(forTransfer);
    for (const ref of spec.import.secretRefs ?? []) {
      const s = await readSecret(ref.namespace, ref.name);
      if (!s) throw new CommandBuildError(`Secret ${ref.namespace}/${ref.name} does not exist in the parent`);
      // Only the cluster's own Secrets ever leave the parent through its link.
      const owner = s.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
      if (owner !== spec.cluster) {
        throw new CommandBuildError(
          `Secret ${ref.namespace}/${ref.name} is not labelled ${CAPI_CLUSTER_NAME_LABEL}=${spec.cluster}; only the cluster's own Secrets are sent`,
        );
      }
      objects.push(forTransfer({ ...s, apiVersion: "v1", kind: "Secret" }));
    }
    return { ...base, importObjects: { objectsJson: objects.map((o) => JSON.stringify(o)) } };
  }
  if (spec.reportStatus) return { ...base, reportStatus: {} };
  if (spec.pivot) {
    if (!pivotStep) throw new CommandBuildError("this cell does not run pivots");
    return { ...base, pivot: await pivotStep(spec.cluster, spec.pivot) };
  }
  throw new CommandBuildError("spec names no command kind (apply, import, reportStatus or pivot)");
}

const PHASE_OF: Readonly<Record<string, CommandPhase>> = {
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  REJECTED: "Rejected",
  UNSUPPORTED: "Rejected",
};

const ACTION_OF: Readonly<Record<string, ObjectOutcome["action"]>> = {
  CREATED: "Created",
  APPLIED: "Applied",
  EXISTS: "Exists",
  DENIED: "Denied",
  ERROR: "Error",
};

const MAX_MESSAGE = 4096;
const clip = (s: string) => (s.length > MAX_MESSAGE ? s.slice(0, MAX_MESSAGE) + "…" : s);

/** The status fields a result sets (phase, message, objects, report, completedTime). */
export function statusFromResult(r: CommandResult__Output, nowMs: number): AgentCommandStatus {
  const outcome = String(r.outcome);
  const phase = PHASE_OF[outcome] ?? "Failed";
  const prefix =
    outcome === "UNSUPPORTED"
      ? "the agent does not support this command kind"
      : PHASE_OF[outcome]
        ? ""
        : `unknown outcome ${outcome}`;
  const message = clip([prefix, r.message].filter(Boolean).join(": "));
  const status: AgentCommandStatus = {
    phase,
    completedTime: new Date(r.finishedUnixMs || nowMs).toISOString(),
    ...(message ? { message } : {}),
  };
  if (r.objects.length) status.objects = r.objects.slice(0, 1000).map(objectOutcome);
  if (r.dataJson) {
    try {
      status.data = JSON.parse(r.dataJson) as Record<string, unknown>;
    } catch {
      status.message = clip([status.message, "the result's data is not JSON"].filter(Boolean).join("; "));
    }
  }
  if (r.status) {
    status.report = {
      agentVersion: r.status.agentVersion,
      kubernetesVersion: r.status.kubernetesVersion,
      fipsMode: r.status.fipsMode,
      ...(r.status.health ? { health: toLinkHealth(r.status.health) } : {}),
    };
  }
  return status;
}

function objectOutcome(o: ObjectResult__Output): ObjectOutcome {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    name: o.name,
    action: ACTION_OF[String(o.action)] ?? "Error",
    ...(o.message ? { message: clip(o.message) } : {}),
  };
}
