// Executes one command against the child — only what policy.ts allows, checked for every object
// before anything is written (a command with one refused object is refused whole). A Secret is
// checked twice: the submitted object, and the live one of that name if it exists (decideLive); its
// write is then conditional on what was checked (the live resourceVersion, or create-if-absent), so
// a Secret put there meanwhile by someone else is not overwritten either.
//   apply          server-side apply of each object (field manager lattice-agent)
//   importObjects  create-if-absent of each object, in order; owner references are re-pointed to
//                  the owners' uids in this cluster (or dropped when the owner is not here — a
//                  dangling owner would make the garbage collector delete the object); a status
//                  carried by the object is written to the status subresource of a created object
//   reportStatus   versions and health
//   pivot          one step of a pivot into this cluster (./pivot.ts, policed by ./pivot-policy.ts):
//                  the only deletes, of this pivot's own copies by UID
// Nothing runs on its own when the parent is unreachable.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject, OwnerReference } from "../../core/k8s/object";
import type { Command__Output, CommandResult, Health, ObjectResult } from "../protocol/load";
import { AGENT_FIELD_MANAGER } from "../api/child";
import { PivotSteps } from "./pivot";
import {
  decide,
  decideLive,
  MAX_COMMAND_BYTES,
  MAX_OBJECTS_PER_COMMAND,
  type Decision,
  type LinkPolicy,
  type WriteCommand,
} from "./policy";

/** What a status report needs from the host. */
export interface StatusSource {
  agentVersion: string;
  fipsMode: boolean;
  kubernetesVersion(): Promise<string>;
  health(): Promise<Health>;
}

type ObjectAction = "CREATED" | "APPLIED" | "EXISTS" | "DENIED" | "ERROR";

const objResult = (o: KubeObject | undefined, action: ObjectAction, message = ""): ObjectResult => ({
  apiVersion: o?.apiVersion ?? "",
  kind: o?.kind ?? "",
  namespace: o?.metadata?.namespace ?? "",
  name: o?.metadata?.name ?? "",
  action,
  message,
});

/** Runs commands for one cluster. */
export class Executor {
  private readonly pivot: PivotSteps;

  constructor(
    private readonly kube: KubeClient,
    private readonly policy: LinkPolicy,
    private readonly status: StatusSource,
  ) {
    this.pivot = new PivotSteps(kube, policy, MAX_OBJECTS_PER_COMMAND, MAX_COMMAND_BYTES);
  }

  /** The command's result; never throws (failures are results). */
  async execute(cmd: Command__Output): Promise<CommandResult> {
    const done = (r: Omit<CommandResult, "commandId" | "finishedUnixMs">): CommandResult => ({
      ...r,
      commandId: cmd.id,
      finishedUnixMs: Date.now(),
    });
    if (cmd.cluster !== this.policy.cluster) {
      return done({
        outcome: "REJECTED",
        message: `command is for cluster "${cmd.cluster}", this is "${this.policy.cluster}"`,
      });
    }
    try {
      switch (cmd.kind) {
        case "apply":
          return done(await this.objects("apply", cmd.apply!.objectsJson, (o, live) => this.applyOne(o, live)));
        case "importObjects":
          return done(await this.objects("import", cmd.importObjects!.objectsJson, (o) => this.importOne(o)));
        case "reportStatus":
          return done({ outcome: "SUCCEEDED", status: await this.report() });
        case "pivot":
          return done(await this.pivot.execute(cmd.pivot!));
        case undefined:
          // A kind from a newer cell: say so, so the command does not wait forever.
          return done({
            outcome: "UNSUPPORTED",
            message: "this agent does not know the command's kind; upgrade the agent",
          });
        default: {
          const unreachable: never = cmd.kind;
          return unreachable;
        }
      }
    } catch (e) {
      return done({ outcome: "FAILED", message: (e as Error).message });
    }
  }

  private async report() {
    return {
      agentVersion: this.status.agentVersion,
      kubernetesVersion: await this.status.kubernetesVersion(),
      fipsMode: this.status.fipsMode,
      health: await this.status.health(),
    };
  }

  /** Parse, bound and police every object (Secrets against their live selves too), then run `one` on each. */
  private async objects(
    command: WriteCommand,
    json: string[],
    one: (o: KubeObject, live: KubeObject | undefined) => Promise<ObjectResult>,
  ): Promise<Omit<CommandResult, "commandId" | "finishedUnixMs">> {
    if (json.length > MAX_OBJECTS_PER_COMMAND)
      return { outcome: "REJECTED", message: `${json.length} objects; at most ${MAX_OBJECTS_PER_COMMAND} per command` };
    const bytes = json.reduce((n, s) => n + s.length, 0);
    if (bytes > MAX_COMMAND_BYTES)
      return { outcome: "REJECTED", message: `${bytes} bytes of objects; at most ${MAX_COMMAND_BYTES} per command` };
    const objs: KubeObject[] = [];
    for (const [i, s] of json.entries()) {
      try {
        objs.push(JSON.parse(s) as KubeObject);
      } catch {
        return { outcome: "REJECTED", message: `object ${i} is not JSON` };
      }
    }
    const verdicts: Decision[] = objs.map((o) => decide(o, this.policy, command));
    const lives: (KubeObject | undefined)[] = [];
    if (!verdicts.some((v) => !v.allowed))
      for (const [i, o] of objs.entries()) {
        const live = o.kind === "Secret" ? await this.kube.getOrUndefined(refOf(o)) : undefined;
        lives.push(live);
        verdicts[i] = decideLive(live, this.policy);
      }
    if (verdicts.some((v) => !v.allowed)) {
      const objects = objs.map((o, i) => {
        const v = verdicts[i]!;
        return v.allowed
          ? objResult(o, "ERROR", "not applied: another object of the command was refused")
          : objResult(o, "DENIED", v.reason);
      });
      return { outcome: "REJECTED", message: "refused by the agent's policy; nothing was applied", objects };
    }
    const objects: ObjectResult[] = [];
    for (const [i, o] of objs.entries()) objects.push(await one(o, lives[i]));
    const failed = objects.filter((r) => r.action === "ERROR").length;
    return {
      outcome: failed ? "FAILED" : "SUCCEEDED",
      message: failed ? `${failed} of ${objects.length} objects failed` : "",
      objects,
    };
  }

  /** `live`: the Secret of that name as checked (absent: undefined); other kinds: undefined, unused. */
  private async applyOne(o: KubeObject, live: KubeObject | undefined): Promise<ObjectResult> {
    try {
      const { status: _ignored, ...desired } = o;
      if (o.kind === "Secret" && !live) {
        // Checked absent: create, so one made meanwhile (by anyone) is a conflict, not an overwrite.
        await this.kube.create({ ...desired, metadata: withoutVersion(o.metadata) } as KubeObject, {
          fieldManager: AGENT_FIELD_MANAGER,
        });
        return objResult(o, "APPLIED");
      }
      // A checked Secret is written only as it was checked (its resourceVersion as a precondition).
      const rv = o.kind === "Secret" ? (live?.metadata as { resourceVersion?: string }).resourceVersion : undefined;
      const metadata = rv ? { ...o.metadata, resourceVersion: rv } : withoutVersion(o.metadata);
      await this.kube.apply({ ...desired, metadata } as KubeObject, { fieldManager: AGENT_FIELD_MANAGER, force: true });
      return objResult(o, "APPLIED");
    } catch (e) {
      return objResult(o, "ERROR", errorText(e));
    }
  }

  private async importOne(o: KubeObject): Promise<ObjectResult> {
    const { status, ...rest } = o;
    const { obj, note } = await this.repointOwners(rest as KubeObject);
    try {
      await this.kube.create(obj);
    } catch (e) {
      if (e instanceof KubeError && e.status === 409) return objResult(o, "EXISTS", "already present; left unchanged");
      return objResult(o, "ERROR", errorText(e));
    }
    if (status && typeof status === "object" && obj.kind !== "Secret") {
      try {
        await this.kube.applyStatus(
          {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
            status,
          } as KubeObject,
          AGENT_FIELD_MANAGER,
        );
      } catch (e) {
        return objResult(o, "ERROR", `created, but its status could not be written: ${errorText(e)}`);
      }
    }
    return objResult(o, "CREATED", note);
  }

  /** Owner references with the owners' uids in this cluster; owners not found are dropped. */
  private async repointOwners(o: KubeObject): Promise<{ obj: KubeObject; note: string }> {
    const meta = o.metadata as KubeObject["metadata"] & { ownerReferences?: OwnerReference[] };
    if (!meta.ownerReferences?.length) return { obj: o, note: "" };
    const kept: OwnerReference[] = [];
    const dropped: string[] = [];
    for (const ref of meta.ownerReferences) {
      const owner = await this.kube
        .getOrUndefined({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: meta.namespace, name: ref.name })
        .catch(() => undefined);
      const uid = (owner?.metadata as { uid?: string } | undefined)?.uid;
      if (uid) kept.push({ ...ref, uid });
      else dropped.push(`${ref.kind}/${ref.name}`);
    }
    const metadata = { ...meta, ownerReferences: kept };
    if (!kept.length) delete (metadata as { ownerReferences?: unknown }).ownerReferences;
    return {
      obj: { ...o, metadata },
      note: dropped.length ? `owner references to ${dropped.join(", ")} dropped: not in this cluster` : "",
    };
  }
}

function refOf(o: KubeObject) {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

/** Metadata without a resourceVersion: the parent's version means nothing in the child. */
function withoutVersion(m: KubeObject["metadata"]): KubeObject["metadata"] {
  const { resourceVersion: _parents, ...rest } = m as KubeObject["metadata"] & { resourceVersion?: string };
  return rest;
}

function errorText(e: unknown): string {
  return e instanceof KubeError ? `${e.status} ${e.reason}: ${e.message}` : (e as Error).message;
}
