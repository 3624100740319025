// Implementation of the service-set dynamic provider (loaded at run time by ./index.ts's shell): every
// object of a set of services — declaration records, policies, workloads, namespace baselines —
// kept in a cluster as their documents say (docs/decisions/resource-model.md).
//   check   validates every member's document with core/spec (the one validator)
//   diff    compiles the set, reads the live objects, and names on stderr each object that is
//           missing, drifted (the rules of ../objectset/drift.ts), someone else's, or held by the
//           previous resource model; also an object that left the set, and one-sided agreements
//           that changed in the cluster (another stack's change shows up on this stack's run)
//   create  applies every member (./reconcile.ts), checks agreements, waits for rollouts
//   update  the same for what differs, then prunes what left the set
//   read    records which objects drifted, so refresh shows a hand edit
//   delete  removes every object the set applied, UID-checked; a namespace baseline only once no
//           member record is left in the namespace (across stacks)
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { oneSidedAgreementsOf, readDeclarationRecords, RECORD_LABEL, type OneSided } from "../../core/agreements";
import { formatSpecError, validateDocument } from "../../core/spec";
import type { KubeClient } from "../../kube/client";
import { removeObject, say } from "../objectset/apply";
import { canonical } from "../objectset/drift";
import { PartialApplyError } from "../objectset/impl";
import { clientFor } from "../session";
import { pool, readLive } from "./live";
import { packDocuments, unpackDocuments } from "./pack";
import { refOfDocument, refOfKey, type MemberInputs } from "./plan";
import {
  applySet,
  BASELINE_MANAGER,
  CONCURRENCY,
  desiredObjects,
  managerOf,
  needsApply,
  targetsOf,
  type CompiledMember,
  type Target,
} from "./reconcile";
import { DEFAULT_ROLLOUT_TIMEOUT_SECONDS, waitForRollouts } from "./rollout";

/** The inputs of a set. */
export interface ServiceSetInputs {
  /** Kubeconfig content (a Pulumi secret). */
  kubeconfig: string;
  trustDomain: string;
  /** Wait for each Deployment applied to roll out. */
  awaitWorkloads: boolean;
  /** The services and external services, keyed "namespace/name". */
  members: Record<string, MemberInputs>;
  /** Per namespace, the digests of its baseline (for people: previews name what changes). */
  baselines: Record<string, Record<string, string>>;
}

/** The state of a set (its outputs): what delete, prune and refresh need, and no more. */
export interface ServiceSetState {
  /** Kubeconfig content (a secret output: delete gets only the outputs). */
  kubeconfig: string;
  trustDomain: string;
  /** What was applied, by member ("namespace/name") or baseline ("namespace (baseline)"): key → UID. */
  applied: Record<string, Record<string, string>>;
  /** The members' documents, packed (./pack.ts): refresh compiles them to compare with the cluster. */
  documents: string;
  /** One-sided agreements found in the cluster, for members that have any. */
  oneSided: Record<string, OneSided[]>;
  /** Declaration records in the cluster that could not be read. */
  unreadableRecords: string[];
  /** Refresh only: what differs from the documents, one line per object and field. */
  drift?: string[];
  /** Members whose Deployment had not rolled out when the last wait ended: the next `up` waits again. */
  unready?: string[];
}

type Failure = { property: string; reason: string };

/** Problems with a set's inputs, each with its property path. */
export function validate(inputs: Partial<ServiceSetInputs>): Failure[] {
  const failures: Failure[] = [];
  if (typeof inputs.kubeconfig !== "string" || !inputs.kubeconfig)
    failures.push({ property: "kubeconfig", reason: "a kubeconfig is required" });
  if (typeof inputs.trustDomain !== "string" || !inputs.trustDomain)
    failures.push({ property: "trustDomain", reason: "a trust domain is required" });
  for (const [ref, m] of Object.entries(inputs.members ?? {})) {
    const at = `members["${ref}"]`;
    const v = validateDocument(m?.doc, { file: at, doc: 1 });
    if (!v.ok) {
      for (const e of v.errors) failures.push({ property: `${at}.doc`, reason: formatSpecError(e) });
      continue;
    }
    if (v.value.kind === "LatticeCluster")
      failures.push({ property: `${at}.doc`, reason: "a LatticeCluster is not a member of a service set" });
    else if (v.value.metadata.namespace === undefined)
      failures.push({ property: `${at}.doc.metadata.namespace`, reason: "the namespace must be written out" });
    else if (refOfDocument(v.value) !== ref)
      failures.push({ property: at, reason: `the key must be "${refOfDocument(v.value)}"` });
  }
  return failures;
}

export async function check(
  _olds: ServiceSetInputs,
  news: ServiceSetInputs,
): Promise<pulumi.dynamic.CheckResult<ServiceSetInputs>> {
  const failures = validate(news);
  return failures.length ? { failures } : { inputs: news };
}

/** The set compiled against the live cluster. */
async function observe(c: KubeClient, inputs: Pick<ServiceSetInputs, "members" | "trustDomain">) {
  const first = targetsOf(inputs.members, inputs.trustDomain, new Map());
  const live = await readLive(c, desiredObjects(first.members, first.baselines));
  return targetsOf(inputs.members, inputs.trustDomain, live);
}

/** Every target of a compiled set, baselines first. */
function allTargets(set: { members: CompiledMember[]; baselines: Map<string, Target[]> }): Target[] {
  return [...[...set.baselines.values()].flat(), ...set.members.flatMap((m) => m.targets)];
}

/** Keys the state holds that the new set no longer has (by owner). */
function leaving(
  applied: ServiceSetState["applied"],
  set: { members: CompiledMember[]; baselines: Map<string, Target[]> },
) {
  const keep = new Map<string, Set<string>>();
  for (const m of set.members) keep.set(m.ref, new Set(m.targets.map((t) => t.key)));
  for (const [ns, targets] of set.baselines) keep.set(`${ns} (baseline)`, new Set(targets.map((t) => t.key)));
  const out: { owner: string; key: string; uid: string | undefined }[] = [];
  for (const [owner, keys] of Object.entries(applied ?? {}))
    for (const [key, uid] of Object.entries(keys)) if (!keep.get(owner)?.has(key)) out.push({ owner, key, uid });
  return out;
}

/** The objects the state's documents compile to, as canonical JSON by key (baselines included). */
function previousObjects(olds: ServiceSetState): Map<string, string> {
  const out = new Map<string, string>();
  const docs = unpackDocuments(olds.documents ?? "");
  const members = Object.fromEntries(Object.entries(docs).map(([ref, doc]) => [ref, { doc, objects: {} }]));
  if (!olds.trustDomain) return out;
  const set = targetsOf(members, olds.trustDomain, new Map());
  for (const t of allTargets(set)) out.set(t.key, canonical(t.desired));
  return out;
}

/** The one-sided agreements of every member, from the records in the cluster now. */
async function checkAgreements(
  c: KubeClient,
  refs: readonly string[],
): Promise<Pick<ServiceSetState, "oneSided" | "unreadableRecords">> {
  // A fresh LIST (never a cached one): this follows the set's own writes of records.
  const objects = await c.list("v1", "ConfigMap", { labelSelector: `${RECORD_LABEL}=true` });
  const { records, unreadable } = readDeclarationRecords(objects);
  const found = oneSidedAgreementsOf(refs, records);
  const oneSided: Record<string, OneSided[]> = {};
  for (const [ref, list] of found) if (list.length) oneSided[ref] = list;
  return { oneSided, unreadableRecords: unreadable };
}

export async function diff(
  _id: string,
  olds: ServiceSetState,
  news: ServiceSetInputs,
): Promise<pulumi.dynamic.DiffResult> {
  if (canonical(olds.kubeconfig) !== canonical(news.kubeconfig) || olds.trustDomain !== news.trustDomain)
    return { changes: true };
  const c = clientFor(news.kubeconfig);
  const set = await observe(c, news);
  // What was applied last (compiled from the packed documents), to tell a change of the documents
  // ("change: …") from a change made in the cluster ("drift: …").
  const before = previousObjects(olds);
  let changes = 0;
  // Documents changed with the cluster already as they say (an earlier run applied them and then
  // failed): still an update, so the state records them.
  if (canonical(documentsOf(news.members)) !== canonical(unpackDocuments(olds.documents ?? ""))) changes++;
  for (const ref of olds.unready ?? []) {
    say(`change: ${ref} had not rolled out when the last wait ended`);
    changes++;
  }
  for (const t of allTargets(set)) {
    const was = before.get(t.key);
    const kind = was !== undefined && was === canonical(t.desired) && t.live ? "drift" : "change";
    for (const line of needsApply(t)) {
      say(`${kind}: ${line}`);
      changes++;
    }
  }
  for (const gone of leaving(olds.applied, set)) {
    say(`change: ${gone.key} leaves the set (${gone.owner})`);
    changes++;
  }
  if (changes) return { changes: true };
  const now = await checkAgreements(c, Object.keys(news.members));
  return { changes: canonical(now.oneSided) !== canonical(olds.oneSided ?? {}) };
}

/** The members' documents by ref (what the state keeps, packed). */
function documentsOf(members: ServiceSetInputs["members"]): Record<string, MemberInputs["doc"]> {
  return Object.fromEntries(Object.entries(members).map(([r, m]) => [r, m.doc]));
}

/** Apply a set (create and update): the new state, or a partial-apply error naming every failure. */
async function apply(
  id: string,
  inputs: ServiceSetInputs,
  olds: ServiceSetState | undefined,
): Promise<ServiceSetState> {
  const c = clientFor(inputs.kubeconfig);
  const set = await observe(c, inputs);
  const result = await applySet(c, set.members, set.baselines);

  // What the state holds now: the new UIDs; a refused member keeps what it held before.
  const applied: Record<string, Record<string, string>> = {};
  for (const [owner, uids] of result.uids) applied[owner] = { ...uids };
  for (const ref of result.refused.keys()) if (olds?.applied?.[ref]) applied[ref] = olds.applied[ref]!;
  const failures = [...[...result.refused.values()].flat(), ...(result.error ? [result.error] : [])];

  if (!result.error && olds) {
    // Prune what left the set: members gone, objects a member no longer compiles to.
    const refused = new Set(result.refused.keys());
    const gone = leaving(olds.applied, set).filter((g) => !refused.has(g.owner));
    for (const g of gone) if (!g.owner.endsWith(" (baseline)")) applied[g.owner] ??= {};
    await removeAll(c, gone);
    for (const owner of Object.keys(applied)) if (!Object.keys(applied[owner]!).length) delete applied[owner];
  }
  const baseState = {
    kubeconfig: inputs.kubeconfig,
    trustDomain: inputs.trustDomain,
    applied,
    documents: packDocuments(documentsOf(inputs.members)),
  };
  const agreements = await checkAgreements(c, Object.keys(inputs.members));
  const state: ServiceSetState = { ...baseState, ...agreements };
  if (failures.length) {
    const n = Object.keys(inputs.members).length;
    throw new PartialApplyError<ServiceSetState>(id, state, [
      `${n - result.refused.size} of ${n} members applied; ${failures.join("; ")}`,
    ]);
  }
  if (inputs.awaitWorkloads) {
    // The Deployments applied in this run, and those the last wait left unfinished.
    const again = new Set(olds?.unready ?? []);
    const waits = set.members.flatMap((m) => {
      const doc = inputs.members[m.ref]!.doc;
      const deployment = m.targets.find((t) => t.desired.kind === "Deployment");
      if (doc.kind !== "LatticeService" || !deployment) return [];
      if (!result.applied.has(deployment.key) && !again.has(m.ref)) return [];
      const timeoutSeconds = doc.spec.rollout?.timeoutSeconds ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS;
      return [
        {
          namespace: m.namespace,
          name: deployment.desired.metadata.name,
          timeoutSeconds,
          subject: `LatticeService ${m.ref}`,
        },
      ];
    });
    const failed = await waitForRollouts(c, waits);
    if (failed.length)
      throw new PartialApplyError<ServiceSetState>(
        id,
        { ...state, unready: failed.map((f) => f.ref) },
        failed.map((f) => f.message),
      );
  }
  return state;
}

/** Removal order: a member's workload and policies, then its record; baselines last, the Namespace at the very end. */
function removalRank(owner: string, key: string): number {
  if (key.startsWith("Namespace/")) return 3;
  if (owner.endsWith(" (baseline)")) return 2;
  return key.startsWith("ConfigMap/") ? 1 : 0;
}

/** Remove objects the state holds, UID-checked; baselines only where no member record is left. */
async function removeAll(
  c: KubeClient,
  items: { owner: string; key: string; uid: string | undefined }[],
): Promise<void> {
  const ordered = [...items].sort(
    (a, b) => removalRank(a.owner, a.key) - removalRank(b.owner, b.key) || (a.key < b.key ? -1 : 1),
  );
  const members = ordered.filter((i) => !i.owner.endsWith(" (baseline)"));
  await pool(
    members.filter((i) => removalRank(i.owner, i.key) === 0),
    CONCURRENCY,
    (i) => removeObject(c, refOfKey(i.key), managerOf(i.owner), i.uid, false),
  );
  await pool(
    members.filter((i) => removalRank(i.owner, i.key) === 1),
    CONCURRENCY,
    (i) => removeObject(c, refOfKey(i.key), managerOf(i.owner), i.uid, false),
  );
  // A namespace baseline goes only when no member record (of any stack) is left in the namespace,
  // counted with a fresh LIST once this set's records are gone.
  const byNamespace = new Map<string, typeof items>();
  for (const i of ordered.filter((x) => x.owner.endsWith(" (baseline)"))) {
    const ns = i.owner.replace(/ \(baseline\)$/, "");
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), i]);
  }
  for (const [ns, baseline] of byNamespace) {
    const records = await c.list("v1", "ConfigMap", { namespace: ns, labelSelector: `${RECORD_LABEL}=true` });
    if (records.length) continue;
    for (const i of baseline) await removeObject(c, refOfKey(i.key), BASELINE_MANAGER, i.uid, true);
  }
}

export async function create(inputs: ServiceSetInputs): Promise<pulumi.dynamic.CreateResult<ServiceSetState>> {
  const id = randomUUID();
  return { id, outs: await apply(id, inputs, undefined) };
}

export async function update(
  id: string,
  olds: ServiceSetState,
  news: ServiceSetInputs,
): Promise<pulumi.dynamic.UpdateResult<ServiceSetState>> {
  return { outs: await apply(id, news, olds) };
}

export async function read(id: string, props: ServiceSetState): Promise<pulumi.dynamic.ReadResult<ServiceSetState>> {
  const c = clientFor(props.kubeconfig);
  const members = Object.fromEntries(
    Object.entries(unpackDocuments(props.documents ?? "")).map(([ref, doc]) => [ref, { doc, objects: {} }]),
  );
  const set = await observe(c, { members, trustDomain: props.trustDomain });
  const drift = allTargets(set)
    .filter((t) => props.applied?.[t.owner]?.[t.key] !== undefined)
    .flatMap((t) => needsApply(t));
  const { drift: _previous, ...rest } = props;
  return { id, props: drift.length ? { ...rest, drift } : rest };
}

async function remove(_id: string, props: ServiceSetState): Promise<void> {
  const c = clientFor(props.kubeconfig);
  const items = Object.entries(props.applied ?? {}).flatMap(([owner, keys]) =>
    Object.entries(keys).map(([key, uid]) => ({ owner, key, uid })),
  );
  await removeAll(c, items);
}
export { remove as delete };
