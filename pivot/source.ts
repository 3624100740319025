// The source of a pivot over its own client: discovery with clusterctl's rules, pause/unpause
// marked with the pivot's id, the fence, and the deletes (delete-for-move annotation, DELETE with a
// UID precondition, THEN strip finalizers: stripping first lets a paused controller re-add its
// finalizer and leaves the object stuck in deletion, cluster-api#11812/#11814).
import {
  CAPI,
  CLUSTERCTL,
  PIVOT,
  apiVersionOfType,
  keyOf,
  type DiscoveryType,
  type PlanEntry,
} from "../core/pivot/model";
import { ACTIVATE_CLASS_PATCH, ACTIVATE_CLUSTER_PATCH } from "../core/pivot/copy";
import { finalizersOf } from "../core/pivot/normalise";
import { discoveryTypes } from "../core/pivot/discovery";
import { classRefOf } from "../core/pivot/graph";
import { refOf, type KubeObject } from "../core/k8s/object";
import { KubeError, isNotFound, type KubeClient } from "../kube/client";
import { PARALLEL, inOrder } from "./pool";
import type { DeleteOutcome, Discovered, SourcePort } from "./ports";
import { apiIdentity, listKind, pointer, readEntries, uidOf } from "./read";
import { FencedError, PausedBySomeoneElse } from "./errors";

const CRD = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const JSON_PATCH = "application/json-patch+json";
const MERGE_PATCH = "application/merge-patch+json";

const isKind = (e: { group: string; kind: string }, kind: string) => e.group === CAPI.group && e.kind === kind;
const ann = (o: KubeObject) => o.metadata.annotations ?? {};

/** The source cluster. */
export class KubeSource implements SourcePort {
  constructor(readonly kube: KubeClient) {}

  identity(): Promise<string> {
    return apiIdentity(this.kube);
  }

  /** The discovery types, read once per run: CRD bodies are large (the Cluster API ones ≈ 1.5 MB). */
  private types?: Promise<DiscoveryType[]>;

  private discoveryTypes(): Promise<DiscoveryType[]> {
    this.types ??= Promise.all([
      this.kube.list(CRD.apiVersion, CRD.kind, { labelSelector: CLUSTERCTL.label }),
      // Only those not in the first list.
      this.kube.list(CRD.apiVersion, CRD.kind, { labelSelector: `${CAPI.providerLabel},!${CLUSTERCTL.label}` }),
    ]).then(([a, b]) => discoveryTypes([...new Map([...a, ...b].map((c) => [c.metadata.name, c])).values()]));
    return this.types;
  }

  async discover(namespace: string): Promise<Discovered> {
    const types = await this.discoveryTypes();
    const [lists, allClusters, providerSecrets] = await Promise.all([
      inOrder(types, PARALLEL, (t) =>
        listKind(this.kube, apiVersionOfType(t), t.kind, t.namespaced ? namespace : undefined),
      ),
      listKind(this.kube, `${CAPI.group}/v1beta2`, "Cluster"),
      this.providerSecrets(namespace),
    ]);
    const objects = [...lists.flat(), ...providerSecrets];
    objects.push(...(await this.externalClasses(objects, namespace)));
    return { types, objects, allClusters };
  }

  /** Secrets of infrastructure providers' namespaces (clusterctl's inventory), as clusterctl lists them. */
  private async providerSecrets(namespace: string): Promise<KubeObject[]> {
    const providers = await listKind(this.kube, "clusterctl.cluster.x-k8s.io/v1alpha3", "Provider");
    const namespaces = new Set(
      providers
        .filter((p) => (p as { type?: string }).type === "InfrastructureProvider")
        .map((p) => p.metadata.namespace!)
        .filter((ns) => ns && ns !== namespace),
    );
    const lists = await Promise.all([...namespaces].map((ns) => listKind(this.kube, "v1", "Secret", ns)));
    return lists.flat();
  }

  /** ClusterClasses of other namespaces the namespace's Clusters use, with the templates they reference. */
  private async externalClasses(objects: readonly KubeObject[], namespace: string): Promise<KubeObject[]> {
    const refs = new Map<string, { name: string; namespace: string }>();
    for (const o of objects)
      if (o.kind === "Cluster" && o.apiVersion.startsWith(`${CAPI.group}/`)) {
        const ref = classRefOf(o);
        if (ref && ref.namespace !== namespace) refs.set(`${ref.namespace}/${ref.name}`, ref);
      }
    const out: KubeObject[] = [];
    for (const ref of refs.values()) {
      const cc = await this.kube.get({ apiVersion: `${CAPI.group}/v1beta2`, kind: "ClusterClass", ...ref });
      out.push(cc);
      for (const t of templateRefs(cc.spec))
        out.push(
          await this.kube.get({ apiVersion: t.apiVersion, kind: t.kind, name: t.name, namespace: ref.namespace }),
        );
    }
    return out;
  }

  read(entries: readonly PlanEntry[]): Promise<Map<string, KubeObject>> {
    return readEntries(this.kube, entries);
  }

  async pause(entries: readonly PlanEntry[], ourRoots: ReadonlySet<string>): Promise<void> {
    const live = await this.read(entries.filter((e) => isKind(e, "Cluster") || isKind(e, "ClusterClass")));
    const foreign: string[] = [];
    const todo: { obj: KubeObject; patch: object }[] = [];
    for (const [key, obj] of live) {
      const ours = ourRoots.has(key);
      const cluster = obj.kind === "Cluster";
      const paused = cluster
        ? (obj.spec as { paused?: boolean }).paused === true || CAPI.pausedAnnotation in ann(obj)
        : CAPI.pausedAnnotation in ann(obj);
      if (paused && !ours) foreign.push(key);
      else if (!paused)
        todo.push({
          obj,
          patch: cluster ? { spec: { paused: true } } : { metadata: { annotations: { [CAPI.pausedAnnotation]: "" } } },
        });
    }
    if (foreign.length) throw new PausedBySomeoneElse(foreign);
    await inOrder(todo, PARALLEL, (t) => this.patch(t.obj, t.patch, MERGE_PATCH));
  }

  async unpause(entries: readonly PlanEntry[], ourRoots: ReadonlySet<string>): Promise<void> {
    const live = await this.read(entries.filter((e) => ourRoots.has(keyOf(e))));
    const fenced = [...live].filter(([, o]) => PIVOT.pivotedTo in ann(o)).map(([k]) => k);
    if (fenced.length) throw new FencedError(fenced);
    const paused = [...live.values()].filter((o) =>
      o.kind === "Cluster" ? (o.spec as { paused?: boolean }).paused === true : CAPI.pausedAnnotation in ann(o),
    );
    await inOrder(paused, PARALLEL, (o) =>
      this.patch(o, o.kind === "Cluster" ? ACTIVATE_CLUSTER_PATCH : ACTIVATE_CLASS_PATCH, MERGE_PATCH),
    );
  }

  async fence(entries: readonly PlanEntry[], targetIdentity: string): Promise<void> {
    const live = await this.read(entries.filter((e) => isKind(e, "Cluster")));
    const todo = [...live.values()].filter((o) => ann(o)[PIVOT.pivotedTo] !== targetIdentity);
    await inOrder(todo, PARALLEL, (o) =>
      this.patch(o, { metadata: { annotations: { [PIVOT.pivotedTo]: targetIdentity } } }, MERGE_PATCH),
    );
  }

  async deleteForMove(entries: readonly PlanEntry[]): Promise<Map<string, DeleteOutcome>> {
    const live = await this.read(entries);
    const out = new Map<string, DeleteOutcome>();
    const mine: { entry: PlanEntry; obj: KubeObject }[] = [];
    for (const entry of entries) {
      const obj = live.get(keyOf(entry));
      if (!obj) out.set(keyOf(entry), "gone");
      else if (uidOf(obj) !== entry.sourceUid) out.set(keyOf(entry), "recreated");
      else mine.push({ entry, obj });
    }
    // Passes — annotate everything, then per group in reverse order delete all, strip all — so the
    // n-th request is always the same one; an object found gone or re-created drops out of later passes.
    const step = async (
      items: typeof mine,
      fn: (i: (typeof mine)[number]) => Promise<KubeObject | undefined | "skip">,
    ): Promise<typeof mine> => {
      const res = await inOrder(items, PARALLEL, async (i) => {
        try {
          const r = await fn(i);
          if (r && r !== "skip") i.obj = r;
          return true;
        } catch (e) {
          if (isNotFound(e)) return out.set(keyOf(i.entry), "gone") && false;
          if (e instanceof KubeError && (e.status === 409 || e.status === 422) && /uid|UID|test/.test(e.message)) {
            const now = await this.kube.getOrUndefined(refOf(i.obj));
            out.set(keyOf(i.entry), now && uidOf(now) !== i.entry.sourceUid ? "recreated" : "gone");
            if (now && uidOf(now) === i.entry.sourceUid) throw e;
            return false;
          }
          throw e;
        }
      });
      return items.filter((_, n) => res[n]);
    };
    const annotated = await step(mine, async ({ entry, obj }) => {
      if (CLUSTERCTL.deleteForMove in ann(obj)) return "skip";
      const ops = obj.metadata.annotations
        ? [{ op: "add", path: `/metadata/annotations/${pointer(CLUSTERCTL.deleteForMove)}`, value: "" }]
        : [{ op: "add", path: "/metadata/annotations", value: { [CLUSTERCTL.deleteForMove]: "" } }];
      return this.patch(obj, [{ op: "test", path: "/metadata/uid", value: entry.sourceUid }, ...ops], JSON_PATCH);
    });
    // Then group by group in reverse order: a round strips the finalizers of the group deleted in the
    // round before (delete, THEN strip) and deletes the next group; dependents go before their owners.
    const del = async ({ entry, obj }: (typeof mine)[number]) => {
      if ((obj.metadata as { deletionTimestamp?: string }).deletionTimestamp) return "skip" as const;
      const path = await this.kube.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
      const res = await this.kube.request<KubeObject>("DELETE", path, {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy: "Background",
        preconditions: { uid: entry.sourceUid },
      });
      // A Status means it is gone; the object itself means finalizers hold it.
      return res?.kind === obj.kind ? res : { ...obj, metadata: { ...obj.metadata, finalizers: [] } as never };
    };
    const strip = ({ entry, obj }: (typeof mine)[number]) =>
      this.patch(
        obj,
        [
          { op: "test", path: "/metadata/uid", value: entry.sourceUid },
          { op: "replace", path: "/metadata/finalizers", value: [] },
        ],
        JSON_PATCH,
      );
    const held = (items: typeof mine) => items.filter((i) => finalizersOf(i.obj).length > 0);
    const orders = [...new Set(annotated.map((i) => i.entry.order))].sort((a, b) => b - a);
    let deleted: typeof mine = [];
    for (const order of [...orders, undefined]) {
      const toStrip = held(deleted);
      const toDelete = order === undefined ? [] : annotated.filter((i) => i.entry.order === order);
      const round = await step([...toStrip, ...toDelete], (i) => (toStrip.includes(i) ? strip(i) : del(i)));
      deleted = round.filter((i) => toDelete.includes(i));
    }
    for (const i of mine) if (!out.has(keyOf(i.entry))) out.set(keyOf(i.entry), "deleted");
    return out;
  }

  private async patch(obj: KubeObject, body: unknown, contentType: string): Promise<KubeObject> {
    const path = await this.kube.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.kube.request<KubeObject>("PATCH", path, body, contentType);
  }
}

/** Every {apiVersion, kind, name} under a `templateRef` key of a ClusterClass spec. */
export function templateRefs(spec: unknown): { apiVersion: string; kind: string; name: string }[] {
  const out: { apiVersion: string; kind: string; name: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, child] of Object.entries(v)) {
        const r = child as { apiVersion?: string; kind?: string; name?: string };
        if (k === "templateRef" && r?.apiVersion && r.kind && r.name)
          out.push({ apiVersion: r.apiVersion, kind: r.kind, name: r.name });
        else walk(child);
      }
  };
  walk(spec);
  return out;
}
