// The pivot's steps in this cluster (PivotStep in proto/agent.proto; the parent's mover drives them
// over the link, design §3.9). Everything happens in the cluster's Cluster API namespace, under
// ./pivot-policy.ts; a step with one refused object is refused whole, before anything is written.
//   describe   the API identity (UID of kube-system) and storage versions of Cluster API CRDs
//   inventory  per object of the listed kinds: identity, UID, pivot marks, digest, finalizers, how
//              many owner UIDs do not resolve, paused — never contents (a Secret is a digest only)
//   import     per copy, in order: owner references re-pointed by kind and name to this cluster's
//              UIDs (an owner not here fails the object: a dangling owner would be garbage
//              collected); create-if-absent; present and this pivot's copy of the same source
//              object → replaced when its digest differs; present and anything else → conflict,
//              left alone. No status is written (controllers rebuild it). Then the copy's
//              managedFields are set to the source's (no field stays owned by the mover).
//   activate   unpause this pivot's copies of ClusterClasses, then Clusters (merge patch to null)
//   remove     delete this pivot's copies by UID precondition, then drop their finalizers
import type { KubeObject } from "../../core/k8s/object";
import { ACTIVATE_CLASS_PATCH, ACTIVATE_CLUSTER_PATCH } from "../../core/pivot/copy";
import { CAPI, PIVOT, groupOf } from "../../core/pivot/model";
import { canonicalJson, digestOf, finalizersOf, moverFieldsOf } from "../../core/pivot/normalise";
import { pivotMarks } from "../../core/pivot/target";
import { KubeError, isNotFound, type KubeClient } from "../../kube/client";
import { apiIdentity, crdStorageVersions, listKind } from "../../pivot/read";
import {
  CONFLICT_PREFIX,
  PIVOT_OPS,
  type DescribeData,
  type InventoryData,
  type InventoryObject,
  type PivotArgs,
  type PivotRef,
} from "../api/pivot-wire";
import { CAPI_CLUSTER_NAME_LABEL } from "../api/types";
import type { CommandResult, ObjectResult, PivotStep__Output } from "../protocol/load";
import { decidePivotCopy, decidePivotKind, decidePivotListKind, decidePivotTouch } from "./pivot-policy";
import { capiGroups } from "./capi-kinds";
import type { LinkPolicy } from "./policy";

type Result = Omit<CommandResult, "commandId" | "finishedUnixMs">;
type Action = "CREATED" | "APPLIED" | "EXISTS" | "DENIED" | "ERROR";

const MERGE = "application/merge-patch+json";
const JSON_PATCH = "application/json-patch+json";
const metaOf = (o: KubeObject) =>
  o.metadata as KubeObject["metadata"] & {
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    managedFields?: Record<string, unknown>[];
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
type Named = { apiVersion: string; kind: string; name: string } | KubeObject;
const res = (r: Named, ns: string, action: Action, message = "") => ({
  apiVersion: r.apiVersion,
  kind: r.kind,
  namespace: ns,
  name: "metadata" in r ? (r.metadata?.name ?? "") : r.name,
  action,
  message,
});
const text = (e: unknown) => (e instanceof KubeError ? `${e.status} ${e.reason}: ${e.message}` : (e as Error).message);
/** managedFields without their times (what "restored" compares). */
const fieldsKey = (m: Record<string, unknown>[] | undefined) =>
  canonicalJson((m ?? []).map(({ time: _t, ...rest }) => rest));

/** Runs pivot steps for one cluster. */
export class PivotSteps {
  constructor(
    private readonly kube: KubeClient,
    private readonly policy: LinkPolicy,
    private readonly maxObjects: number,
    private readonly maxBytes: number,
  ) {}

  async execute(step: PivotStep__Output): Promise<Result> {
    if (!(PIVOT_OPS as readonly string[]).includes(step.op))
      return { outcome: "UNSUPPORTED", message: `pivot step "${step.op}" is unknown to this agent; upgrade the agent` };
    let args: PivotArgs;
    try {
      args = { op: step.op, ...(step.argsJson ? (JSON.parse(step.argsJson) as object) : {}) } as PivotArgs;
    } catch {
      return { outcome: "REJECTED", message: "the pivot step's arguments are not JSON" };
    }
    switch (args.op) {
      case "describe":
        return this.describe(args.crds ?? []);
      case "inventory":
        return this.inventory(args.kinds ?? []);
      case "import":
        return this.importCopies(step.pivotId, step.objectsJson);
      case "activate":
        return this.activate(step.pivotId, args.objects ?? []);
      case "remove":
        return this.remove(step.pivotId, args.objects ?? []);
    }
  }

  private async describe(crds: { name: string; groupKind: string }[]): Promise<Result> {
    const capi = crds.filter((c) => capiGroups().includes(c.groupKind.split("/")[0] ?? ""));
    if (capi.length !== crds.length || crds.length > this.maxObjects)
      return { outcome: "REJECTED", message: "describe reads Cluster API CRDs only" };
    const [identity, types] = await Promise.all([apiIdentity(this.kube), crdStorageVersions(this.kube, capi)]);
    const data: DescribeData = { identity, types: Object.fromEntries(types) };
    return { outcome: "SUCCEEDED", dataJson: JSON.stringify(data) };
  }

  private async inventory(kinds: { apiVersion: string; kind: string }[]): Promise<Result> {
    if (kinds.length > this.maxObjects) return { outcome: "REJECTED", message: "too many kinds" };
    const refused = kinds.map((k) => decidePivotListKind(k.apiVersion, k.kind)).find((d) => !d.allowed);
    if (refused && !refused.allowed) return { outcome: "REJECTED", message: refused.reason };
    const ns = this.policy.capiNamespace;
    const lists = await Promise.all(kinds.map((k) => listKind(this.kube, k.apiVersion, k.kind, ns)));
    // Secrets and ConfigMaps: only the cluster's own are reported (others are not the pivot's business).
    const all = lists
      .flat()
      .filter(
        (o) => groupOf(o.apiVersion) !== "" || o.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL] === this.policy.cluster,
      );
    const uids = new Set(all.map((o) => metaOf(o).uid));
    const objects = all.map((o): InventoryObject => {
      const m = metaOf(o);
      const ann = o.metadata.annotations ?? {};
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        namespace: ns,
        uid: m.uid ?? "",
        ...pivotMarks(o.metadata.labels, o.metadata.annotations),
        digest: digestOf(o),
        deleting: !!m.deletionTimestamp,
        danglingOwners: (m.ownerReferences ?? []).filter((r) => !uids.has(r.uid)).length,
        finalizers: finalizersOf(o),
        moverFields: moverFieldsOf(o),
        ...(groupOf(o.apiVersion) === CAPI.group && (o.kind === "Cluster" || o.kind === "ClusterClass")
          ? { paused: (o.spec as { paused?: boolean } | undefined)?.paused === true || CAPI.pausedAnnotation in ann }
          : {}),
      };
    });
    const data: InventoryData = { objects };
    return { outcome: "SUCCEEDED", dataJson: JSON.stringify(data) };
  }

  private async importCopies(pivotId: string, json: string[]): Promise<Result> {
    if (json.length > this.maxObjects)
      return { outcome: "REJECTED", message: `${json.length} objects; at most ${this.maxObjects} per command` };
    const bytes = json.reduce((n, s) => n + s.length, 0);
    if (bytes > this.maxBytes)
      return { outcome: "REJECTED", message: `${bytes} bytes of objects; at most ${this.maxBytes} per command` };
    const objs: KubeObject[] = [];
    for (const [i, s] of json.entries()) {
      try {
        objs.push(JSON.parse(s) as KubeObject);
      } catch {
        return { outcome: "REJECTED", message: `object ${i} is not JSON` };
      }
    }
    const verdicts = objs.map((o) => decidePivotCopy(o, this.policy, pivotId));
    if (verdicts.some((v) => !v.allowed))
      return {
        outcome: "REJECTED",
        message: "refused by the agent's pivot policy; nothing was written",
        objects: objs.map((o, i) => {
          const v = verdicts[i]!;
          return v.allowed
            ? res(o, this.policy.capiNamespace, "ERROR", "not written: another object of the step was refused")
            : res(o, this.policy.capiNamespace, "DENIED", v.reason);
        }),
      };
    const objects: ObjectResult[] = [];
    for (const o of objs) objects.push(await this.importOne(o, pivotId));
    const failed = objects.filter((r) => r.action === "ERROR").length;
    return {
      outcome: failed ? "FAILED" : "SUCCEEDED",
      message: failed ? `${failed} of ${objects.length} copies failed` : "",
      objects,
    };
  }

  private async importOne(sent: KubeObject, pivotId: string): Promise<ObjectResult> {
    const ns = this.policy.capiNamespace;
    const { managedFields, ...meta } = metaOf(sent);
    const body = { ...sent, metadata: meta } as KubeObject & { status?: unknown };
    delete body.status;
    try {
      body.metadata = await this.ownersHere(meta);
      const path = await this.kube.pathOf(body.apiVersion, body.kind, ns);
      let live: KubeObject;
      let action: Action = "CREATED";
      try {
        live = await this.kube.request<KubeObject>("POST", `${path}?fieldManager=${PIVOT.fieldManager}`, body);
      } catch (e) {
        if (!(e instanceof KubeError && e.status === 409)) throw e;
        live = await this.kube.get({ apiVersion: body.apiVersion, kind: body.kind, namespace: ns, name: meta.name });
        const marks = pivotMarks(live.metadata.labels, live.metadata.annotations);
        const src = meta.annotations?.[PIVOT.sourceUid];
        if (marks.pivotId !== pivotId || marks.sourceUid !== src || metaOf(live).deletionTimestamp)
          return res(sent, ns, "ERROR", `${CONFLICT_PREFIX} present and not this pivot's copy; left alone`);
        action = "EXISTS";
        if (digestOf(live) !== digestOf(body)) {
          const m = metaOf(live);
          live = await this.kube.request<KubeObject>(
            "PUT",
            `${path}/${encodeURIComponent(meta.name)}?fieldManager=${PIVOT.fieldManager}`,
            {
              ...body,
              metadata: { ...body.metadata, uid: m.uid, resourceVersion: m.resourceVersion },
            },
          );
          action = "APPLIED";
        }
      }
      if (action !== "EXISTS" || fieldsKey(metaOf(live).managedFields) !== fieldsKey(managedFields))
        await this.kube.request(
          "PATCH",
          `${path}/${encodeURIComponent(meta.name)}?fieldManager=${PIVOT.fieldManager}`,
          { metadata: { managedFields: managedFields?.length ? managedFields : [{}] } },
          MERGE,
        );
      return res(sent, ns, action);
    } catch (e) {
      return res(sent, ns, "ERROR", text(e));
    }
  }

  /** Owner references with this cluster's UIDs, found by kind and name; an owner not here is an error. */
  private async ownersHere(meta: ReturnType<typeof metaOf>) {
    if (!meta.ownerReferences?.length) return meta;
    const refs = [];
    for (const r of meta.ownerReferences) {
      const owner = await this.kube.getOrUndefined({
        apiVersion: r.apiVersion,
        kind: r.kind,
        namespace: this.policy.capiNamespace,
        name: r.name,
      });
      const uid = owner && metaOf(owner).uid;
      if (!uid) throw new Error(`its owner ${r.kind} ${r.name} is not in this cluster yet`);
      refs.push({ ...r, uid });
    }
    return { ...meta, ownerReferences: refs };
  }

  /** Read the live objects of `refs` and police them all (decidePivotTouch) before any write. */
  private async liveCopies(pivotId: string, refs: PivotRef[]) {
    if (refs.length > this.maxObjects) return { refused: `${refs.length} objects; at most ${this.maxObjects}` };
    const ns = this.policy.capiNamespace;
    const live: { ref: PivotRef; obj?: KubeObject }[] = [];
    const denied: ObjectResult[] = [];
    for (const ref of refs) {
      const kind = decidePivotKind({ ...ref, metadata: { name: ref.name, namespace: ns, labels: {} } }, this.policy);
      if (!kind.allowed && ref.kind !== "Secret" && ref.kind !== "ConfigMap") {
        denied.push(res(ref, ns, "DENIED", kind.reason));
        continue;
      }
      const obj = await this.kube.getOrUndefined({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        namespace: ns,
        name: ref.name,
      });
      if (obj) {
        const v = decidePivotTouch(obj, this.policy, pivotId);
        if (!v.allowed) denied.push(res(ref, ns, "DENIED", v.reason));
      }
      live.push({ ref, ...(obj ? { obj } : {}) });
    }
    if (denied.length) return { refused: "refused by the agent's pivot policy; nothing was changed", denied };
    return { live };
  }

  private async activate(pivotId: string, refs: PivotRef[]): Promise<Result> {
    const roots = refs.filter(
      (r) => groupOf(r.apiVersion) === CAPI.group && ["Cluster", "ClusterClass"].includes(r.kind),
    );
    if (roots.length !== refs.length)
      return { outcome: "REJECTED", message: "activate unpauses Clusters and ClusterClasses only" };
    const read = await this.liveCopies(pivotId, refs);
    if (!read.live) return { outcome: "REJECTED", message: read.refused, objects: read.denied ?? [] };
    const ns = this.policy.capiNamespace;
    const objects: ObjectResult[] = [];
    for (const kind of ["ClusterClass", "Cluster"])
      for (const { ref, obj } of read.live.filter((l) => l.ref.kind === kind)) {
        if (!obj || obj.metadata.annotations?.[PIVOT.sourceUid] !== ref.uid) {
          objects.push(res(ref, ns, "ERROR", "no copy of that source object here"));
          continue;
        }
        const paused =
          kind === "Cluster"
            ? (obj.spec as { paused?: boolean } | undefined)?.paused === true
            : CAPI.pausedAnnotation in (obj.metadata.annotations ?? {});
        try {
          if (paused) {
            const path = await this.kube.pathOf(ref.apiVersion, ref.kind, ns, ref.name);
            await this.kube.request(
              "PATCH",
              path,
              kind === "Cluster" ? ACTIVATE_CLUSTER_PATCH : ACTIVATE_CLASS_PATCH,
              MERGE,
            );
          }
          objects.push(res(ref, ns, paused ? "APPLIED" : "EXISTS"));
        } catch (e) {
          objects.push(res(ref, ns, "ERROR", text(e)));
        }
      }
    const failed = objects.filter((o) => o.action === "ERROR").length;
    return { outcome: failed ? "FAILED" : "SUCCEEDED", message: failed ? `${failed} not activated` : "", objects };
  }

  private async remove(pivotId: string, refs: PivotRef[]): Promise<Result> {
    const read = await this.liveCopies(pivotId, refs);
    if (!read.live) return { outcome: "REJECTED", message: read.refused, objects: read.denied ?? [] };
    const ns = this.policy.capiNamespace;
    const objects: ObjectResult[] = [];
    for (const { ref, obj } of read.live) {
      if (!obj || metaOf(obj).uid !== ref.uid) {
        objects.push(res(ref, ns, "EXISTS", obj ? "another object of that name: left alone" : "gone"));
        continue;
      }
      try {
        const path = await this.kube.pathOf(ref.apiVersion, ref.kind, ns, ref.name);
        const after = await this.kube
          .request<KubeObject>("DELETE", path, {
            kind: "DeleteOptions",
            apiVersion: "v1",
            propagationPolicy: "Background",
            preconditions: { uid: ref.uid },
          })
          .catch((e: unknown) => {
            if (isNotFound(e) || (e instanceof KubeError && e.status === 409)) return undefined;
            throw e;
          });
        if (after?.kind === ref.kind && finalizersOf(after).length)
          await this.kube
            .request(
              "PATCH",
              path,
              [
                { op: "test", path: "/metadata/uid", value: ref.uid },
                { op: "replace", path: "/metadata/finalizers", value: [] },
              ],
              JSON_PATCH,
            )
            .catch((e: unknown) => {
              if (!isNotFound(e) && !(e instanceof KubeError && e.status === 422)) throw e;
            });
        objects.push(res(ref, ns, "APPLIED", "deleted"));
      } catch (e) {
        objects.push(res(ref, ns, "ERROR", text(e)));
      }
    }
    const failed = objects.filter((o) => o.action === "ERROR").length;
    return { outcome: failed ? "FAILED" : "SUCCEEDED", message: failed ? `${failed} not removed` : "", objects };
  }
}
