// Implementation of the policy dynamic provider (loaded at run time by ./index.ts's shell): one
// service's policy documents (its half of each agreement, and its namespace's shared baseline),
// kept by server-side apply exactly like an ObjectSet, plus the agreement check: after applying,
// it reads every declaration record in the cluster (every stack's) and reports the one-sided
// agreements of this service as the `oneSided` output, which the component turns into warnings.
// `diff` recomputes that list too, so a change made by ANOTHER stack shows up on this stack's next
// run as an update of this resource (its documents are re-applied unchanged; the output changes).
import type * as pulumi from "@pulumi/pulumi";
import { oneSidedAgreements, readDeclarationRecords, RECORD_LABEL, type OneSided } from "../../core/agreements";
import { clientFor, listCached } from "../session";
import { canonical } from "../objectset/drift";
import * as objectSet from "../objectset/impl";
import { retire } from "../serviceset/retire";

/** Inputs of a service's policy set. */
export interface PolicyInputs extends objectSet.ObjectSetInputs {
  /** The service: "namespace/name". */
  self: string;
}

/** State: the inputs and the agreement check's result. */
export interface PolicyState extends PolicyInputs {
  oneSided: OneSided[];
  /** Records in the cluster that could not be read (named, never silently ignored). */
  unreadableRecords: string[];
}

/** Read every declaration record of the cluster and check this service's agreements. */
export async function checkAgreements(
  kubeconfig: string,
  self: string,
): Promise<Pick<PolicyState, "oneSided" | "unreadableRecords">> {
  // Every policy of an engine operation asks for the same list: one LIST serves them (../session.ts).
  const objects = await listCached(clientFor(kubeconfig), "v1", "ConfigMap", { labelSelector: `${RECORD_LABEL}=true` });
  const { records, unreadable } = readDeclarationRecords(objects);
  return { oneSided: oneSidedAgreements(self, records), unreadableRecords: unreadable };
}

export async function check(olds: PolicyInputs, news: PolicyInputs): Promise<pulumi.dynamic.CheckResult<PolicyInputs>> {
  const failures = objectSet.validate(news);
  if (typeof news.self !== "string" || !/^[^/]+\/[^/]+$/.test(news.self))
    failures.push({ property: "self", reason: 'expected "namespace/name"' });
  return failures.length ? { failures } : { inputs: news };
}

export async function diff(id: string, olds: PolicyState, news: PolicyInputs): Promise<pulumi.dynamic.DiffResult> {
  const documents = await objectSet.diff(id, olds, news);
  if (documents.changes || olds.self !== news.self) return documents;
  const now = await checkAgreements(news.kubeconfig, news.self);
  return { changes: canonical(now.oneSided) !== canonical(olds.oneSided ?? []) };
}

export async function create(inputs: PolicyInputs): Promise<pulumi.dynamic.CreateResult<PolicyState>> {
  const res = await objectSet.within(
    () => objectSet.create(inputs),
    (set) => ({ ...inputs, ...set, oneSided: [], unreadableRecords: [] }),
  );
  return {
    id: res.id,
    outs: { ...inputs, uids: res.outs?.uids ?? {}, ...(await checkAgreements(inputs.kubeconfig, inputs.self)) },
  };
}

export async function read(id: string, props: PolicyState): Promise<pulumi.dynamic.ReadResult<PolicyState>> {
  const res = await objectSet.read(id, props);
  return { id, props: { ...props, ...res.props, ...(await checkAgreements(props.kubeconfig, props.self)) } };
}

export async function update(
  id: string,
  olds: PolicyState,
  news: PolicyInputs,
): Promise<pulumi.dynamic.UpdateResult<PolicyState>> {
  const res = await objectSet.within(
    () => objectSet.update(id, olds, news),
    (set) => ({ ...olds, ...news, ...set }),
  );
  return { outs: { ...news, ...res.outs, ...(await checkAgreements(news.kubeconfig, news.self)) } };
}

/**
 * Retired since the ServiceSet (docs/decisions/resource-model.md): a stack deployed before holds
 * Policy resources, which the engine deletes on its first `up` with the new model, after the set has
 * applied the same objects. So the objects are released to the set, not deleted (../serviceset/retire.ts).
 */
async function remove(_id: string, props: PolicyState): Promise<void> {
  await retire(props.kubeconfig, props.fieldManager, props.objects ?? {}, props.uids);
}
export { remove as delete };
