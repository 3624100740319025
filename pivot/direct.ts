// The target reached directly with its own kubeconfig (the CLI; install and uninstall). Copies are
// created in two passes per group — every create, then every managedFields restore — so the n-th
// request of a run is the same one each time. Restoring managedFields is clusterctl's
// patchTopologyManagedFields (#7473/#7504): the create makes lattice-pivot the owner of every field;
// a merge patch that sets managedFields back to the source's entries (and changes nothing else) makes
// the server record exactly those, so no field is left owned by the mover.
import { ACTIVATE_CLASS_PATCH, ACTIVATE_CLUSTER_PATCH, renderCopy } from "../core/pivot/copy";
import {
  CAPI,
  PIVOT,
  apiVersionOfType,
  describe,
  keyOf,
  type DiscoveryType,
  type PlanEntry,
} from "../core/pivot/model";
import { digestOf, finalizersOf, moverFieldsOf } from "../core/pivot/normalise";
import { decideCopy, pivotMarks, type TargetTypes } from "../core/pivot/target";
import { refOf, type KubeObject } from "../core/k8s/object";
import { KubeError, isNotFound, type KubeClient } from "../kube/client";
import { PARALLEL, inOrder } from "./pool";
import type { CopyBatch, CopyItem, Inventory, StrayCopy, TargetPort, TargetSummary } from "./ports";
import { apiIdentity, crdStorageVersions, readEntries, readKinds, uidOf } from "./read";
import { CopyConflict } from "./errors";

const MERGE_PATCH = "application/merge-patch+json";

const ann = (o: KubeObject) => o.metadata.annotations ?? {};
const isRoot = (e: PlanEntry) => e.group === CAPI.group && (e.kind === "Cluster" || e.kind === "ClusterClass");

/** The target cluster, over a kubeconfig. */
export class DirectTarget implements TargetPort {
  readonly mode = "direct" as const;
  /** Target UIDs of copies by plan key: filled by inventory and creates, read when owners are resolved. */
  private readonly uids = new Map<string, string>();

  constructor(readonly kube: KubeClient) {}

  identity(): Promise<string> {
    return apiIdentity(this.kube);
  }

  /** Storage versions already read in this run, by "group/Kind" (CRDs are large; read each once). */
  private readonly storage = new Map<string, string | undefined>();

  async types(types: readonly DiscoveryType[]): Promise<TargetTypes> {
    const unknown = types.filter((t) => t.group && !this.storage.has(`${t.group}/${t.kind}`));
    const read = await crdStorageVersions(
      this.kube,
      unknown.map((t) => ({ name: `${t.plural}.${t.group}`, groupKind: `${t.group}/${t.kind}` })),
    );
    for (const t of unknown) this.storage.set(`${t.group}/${t.kind}`, read.get(`${t.group}/${t.kind}`));
    return new Map([...this.storage].filter((e): e is [string, string] => e[1] !== undefined));
  }

  async inventory(entries: readonly PlanEntry[], pivotId: string): Promise<Inventory> {
    const kinds = new Map<string, { apiVersion: string; kind: string; namespaced: boolean }>();
    for (const e of entries)
      kinds.set(`${e.apiVersion}/${e.kind}`, { apiVersion: e.apiVersion, kind: e.kind, namespaced: !!e.namespace });
    const namespace = entries.find((e) => e.namespace)?.namespace ?? "";
    const namespaced = await readKinds(
      this.kube,
      [...kinds.values()].filter((k) => k.namespaced),
      namespace,
    );
    const globals = await readEntries(
      this.kube,
      entries.filter((e) => !e.namespace),
    );
    const all = [...namespaced, ...globals.values()];
    const uids = new Set(all.map(uidOf));
    const planned = new Set(entries.map((e) => keyOf(e)));
    const byKey = new Map<string, TargetSummary>();
    const strays: StrayCopy[] = [];
    for (const o of all) {
      const key = keyOf({
        group: groupOf(o.apiVersion),
        kind: o.kind,
        name: o.metadata.name,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      });
      const marks = pivotMarks(o.metadata.labels, o.metadata.annotations);
      if (!planned.has(key)) {
        if (pivotId && marks.pivotId === pivotId)
          strays.push({
            apiVersion: o.apiVersion,
            kind: o.kind,
            name: o.metadata.name,
            uid: uidOf(o),
            ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          });
        continue;
      }
      this.uids.set(key, uidOf(o));
      const refs = (o.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences ?? [];
      byKey.set(key, {
        key,
        uid: uidOf(o),
        ...marks,
        digest: digestOf(o),
        deleting: !!(o.metadata as { deletionTimestamp?: string }).deletionTimestamp,
        danglingOwners: refs.filter((r) => !uids.has(r.uid)).length,
        finalizers: finalizersOf(o),
        moverFields: moverFieldsOf(o),
        ...(o.kind === "Cluster" || o.kind === "ClusterClass"
          ? { paused: (o.spec as { paused?: boolean } | undefined)?.paused === true || CAPI.pausedAnnotation in ann(o) }
          : {}),
      });
    }
    return { byKey, strays };
  }

  async prepare(namespace: string): Promise<void> {
    if (await this.kube.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name: namespace })) return;
    try {
      await this.kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409)) throw e;
    }
  }

  /**
   * Copy group after group (an object's owners are in earlier groups, so their UIDs are known when
   * it is created). Each round issues, in this order, the managedFields restores of the previous
   * group and the writes of this one: one round per group plus one, always in the same order.
   */
  async copy(batch: CopyBatch): Promise<void> {
    const ownerOf = (sourceUid: string) => {
      const entry = batch.bySourceUid.get(sourceUid);
      const targetUid = entry && this.uids.get(keyOf(entry));
      return entry && targetUid ? { entry, targetUid } : undefined;
    };
    type Written = { item: CopyItem; live: KubeObject };
    const write = async (item: CopyItem): Promise<Written> => {
      if (item.action === "restore-fields") return { item, live: item.object };
      const body = renderCopy(item.object, item.entry, { pivotId: batch.pivotId, ownerOf, record: batch.record });
      const live =
        item.action === "create" ? await this.create(body, item.entry, batch.pivotId) : await this.update(body);
      this.uids.set(keyOf(item.entry), uidOf(live));
      return { item, live };
    };
    const restore = ({ item, live }: Written) => {
      const managedFields = (item.object.metadata as { managedFields?: unknown[] }).managedFields;
      return this.patch(live, { metadata: { managedFields: managedFields?.length ? managedFields : [{}] } });
    };
    const orders = [...new Set(batch.items.map((i) => i.entry.order))].sort((a, b) => a - b);
    let written: Written[] = [];
    for (const order of orders) {
      const round = [
        ...written.map((w) => () => restore(w).then(() => undefined)),
        ...batch.items.filter((i) => i.entry.order === order).map((i) => () => write(i)),
      ];
      written = (await inOrder(round, PARALLEL, (task) => task())).filter((w): w is Written => !!w);
      await batch.between?.();
    }
    await inOrder(written, PARALLEL, restore);
  }

  /** Create; on AlreadyExists, take it only if it is this pivot's copy of the same source object. */
  private async create(body: KubeObject, entry: PlanEntry, pivotId: string): Promise<KubeObject> {
    try {
      return await this.kube.create(body);
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409)) throw e;
    }
    const live = await this.kube.get(refOf(body));
    const decision = decideCopy(
      entry,
      {
        key: keyOf(entry),
        uid: uidOf(live),
        ...pivotMarks(live.metadata.labels, live.metadata.annotations),
        digest: digestOf(live),
        deleting: false,
      },
      pivotId,
    );
    if (decision === "conflict") throw new CopyConflict([describe(entry)]);
    if (decision === "update") return this.update(body);
    return live;
  }

  /** Replace a copy of this pivot with the source's current content (namespaced objects only). */
  private async update(body: KubeObject): Promise<KubeObject> {
    const live = await this.kube.get(refOf(body));
    const next = {
      ...body,
      metadata: {
        ...body.metadata,
        uid: uidOf(live),
        resourceVersion: (live.metadata as { resourceVersion?: string }).resourceVersion,
      },
    };
    return this.kube.replace(next as KubeObject);
  }

  async activate(entries: readonly PlanEntry[]): Promise<void> {
    const roots = entries.filter(isRoot);
    const live = await readEntries(this.kube, roots);
    const bySourceUid = new Set(roots.map((e) => e.sourceUid));
    const copies = [...live.values()].filter((o) => bySourceUid.has(ann(o)[PIVOT.sourceUid] ?? ""));
    // ClusterClasses first, then Clusters (clusterctl's order): a Cluster never runs against a paused class.
    for (const kind of ["ClusterClass", "Cluster"]) {
      const todo = copies.filter((o) =>
        o.kind !== kind
          ? false
          : kind === "Cluster"
            ? (o.spec as { paused?: boolean }).paused === true
            : CAPI.pausedAnnotation in ann(o),
      );
      await inOrder(todo, PARALLEL, (o) =>
        this.patch(o, kind === "Cluster" ? ACTIVATE_CLUSTER_PATCH : ACTIVATE_CLASS_PATCH),
      );
    }
  }

  async remove(copies: readonly StrayCopy[]): Promise<void> {
    const held = await inOrder(copies, PARALLEL, async (c) => {
      const path = await this.kube.pathOf(c.apiVersion, c.kind, c.namespace, c.name);
      try {
        const res = await this.kube.request<KubeObject>("DELETE", path, {
          kind: "DeleteOptions",
          apiVersion: "v1",
          propagationPolicy: "Background",
          preconditions: { uid: c.uid },
        });
        return res?.kind === c.kind && finalizersOf(res).length ? c : undefined;
      } catch (e) {
        if (isNotFound(e) || (e instanceof KubeError && e.status === 409)) return undefined;
        throw e;
      }
    });
    await inOrder(
      held.filter((c): c is StrayCopy => !!c),
      PARALLEL,
      async (c) => {
        try {
          await this.patch(
            {
              apiVersion: c.apiVersion,
              kind: c.kind,
              metadata: { name: c.name, ...(c.namespace ? { namespace: c.namespace } : {}) },
            },
            [
              { op: "test", path: "/metadata/uid", value: c.uid },
              { op: "replace", path: "/metadata/finalizers", value: [] },
            ],
            "application/json-patch+json",
          );
        } catch (e) {
          if (!isNotFound(e) && !(e instanceof KubeError && e.status === 422)) throw e;
        }
      },
    );
  }

  private async patch(obj: KubeObject, body: unknown, contentType = MERGE_PATCH): Promise<KubeObject> {
    const path = await this.kube.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.kube.request<KubeObject>("PATCH", path, body, contentType);
  }
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");

/** The types a listing needs, for callers that list by discovery type. */
export const listTypes = (types: readonly DiscoveryType[]) =>
  types.map((t) => ({ apiVersion: apiVersionOfType(t), kind: t.kind, namespaced: t.namespaced }));
