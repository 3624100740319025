// Has a Deployment rolled out, and if not, why not? A pure reading of the objects the Deployment,
// ReplicaSet and kubelet controllers write — the Deployment, its ReplicaSets and their Pods — as
// `kubectl rollout status` reads them, plus the one pod problem that best explains a wait
// (ImagePullBackOff, CrashLoopBackOff, Unschedulable, …). Table-tested against states recorded
// from the test bed's real controllers (./__states__). The waiter that polls the cluster and calls
// this is kube/rollout.ts; nothing here does I/O.
import type { KubeObject } from "../k8s/object";
import { podProblem, type PodProblem } from "./pods";

export type { PodProblem } from "./pods";

/** One look at a Deployment: itself, the ReplicaSets it owns and their Pods. */
export interface RolloutObservation {
  deployment: KubeObject | undefined;
  replicaSets: readonly KubeObject[];
  pods: readonly KubeObject[];
}

/** Where a rollout stands. */
export interface RolloutState {
  /** "namespace/name" of the Deployment. */
  ref: string;
  /** done: every desired replica updated and available; failed: the controller gave up. */
  phase: "waiting" | "done" | "failed";
  desired: number;
  /** Replicas of the current template. */
  updated: number;
  /** Replicas of the current template that are ready. */
  ready: number;
  /** What the rollout waits for, in words ("2/3 ready", "old replicas terminating"); empty when done. */
  waitingFor: string;
  /** The pod problem that best explains the wait, if a pod of the current template has one. */
  problem?: PodProblem;
  /** The controller's own failure (ProgressDeadlineExceeded, ReplicaFailure), when there is one. */
  failure?: string;
  /** One line for progress logs: "webapp/api 2/3 ready", with the problem when there is one. */
  line: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface DeploymentLike {
  metadata: { generation?: number; uid?: string; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}
interface ReplicaSetLike {
  status?: { readyReplicas?: number; conditions?: Condition[] };
}
interface Owned {
  metadata: { uid?: string; ownerReferences?: { uid?: string; controller?: boolean }[] };
}

const REVISION = "deployment.kubernetes.io/revision";

const ownedBy = (o: KubeObject, owner: KubeObject | undefined): boolean => {
  const uid = (owner as Owned | undefined)?.metadata.uid;
  return !!uid && ((o as Owned).metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller !== false);
};
const conditionOf = (o: { status?: { conditions?: Condition[] } } | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);
const deleting = (o: KubeObject) => !!(o.metadata as { deletionTimestamp?: string }).deletionTimestamp;

/** Read one observation. */
export function readRollout(ref: string, o: RolloutObservation): RolloutState {
  const d = o.deployment as (KubeObject & DeploymentLike) | undefined;
  if (!d) return state(ref, "waiting", { desired: 0, updated: 0, ready: 0, before: "the Deployment to exist" });
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const revision = d.metadata.annotations?.[REVISION];
  const current = revision
    ? o.replicaSets.find((rs) => ownedBy(rs, d) && rs.metadata.annotations?.[REVISION] === revision)
    : undefined;
  const observed = (d.metadata.generation ?? 0) <= (s.observedGeneration ?? -1);
  const counts = {
    desired,
    updated: observed ? (s.updatedReplicas ?? 0) : 0,
    ready: observed && current ? Math.min((current as ReplicaSetLike).status?.readyReplicas ?? 0, desired) : 0,
  };
  const problem = o.pods
    .filter((p) => ownedBy(p, current) && !deleting(p))
    .map((p) => podProblem(p))
    .filter((p): p is PodProblem => !!p)
    .sort((a, b) => a.rank - b.rank || a.pod.localeCompare(b.pod))[0];
  const why = { ...(problem ? { problem } : {}) };

  // The controller's verdicts first: it gave up, or cannot create the pods.
  const progressing = conditionOf(d, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded")
    return state(ref, "failed", { ...counts, ...why, failure: `${progressing.reason}: ${progressing.message}` });
  const replicaFailure =
    conditionOf(current as ReplicaSetLike | undefined, "ReplicaFailure") ?? conditionOf(d, "ReplicaFailure");
  if (replicaFailure?.status === "True")
    Object.assign(why, { failure: `${replicaFailure.reason}: ${replicaFailure.message}` });

  // As `kubectl rollout status`: the controller saw this generation, every replica is of the current
  // template and available, and no old one remains.
  if (!observed) return state(ref, "waiting", { ...counts, before: "the Deployment controller" });
  if (counts.updated < desired || (s.availableReplicas ?? 0) < counts.updated)
    return state(ref, "waiting", { ...counts, ...why });
  const old = (s.replicas ?? 0) - counts.updated;
  if (old > 0) return state(ref, "waiting", { ...counts, after: `${old} old replica${old === 1 ? "" : "s"} to stop` });
  return state(ref, "done", { ...counts, ready: desired });
}

interface StateParts {
  desired: number;
  updated: number;
  ready: number;
  /** Waiting for something before replicas can be counted (the line names it instead of counts). */
  before?: string;
  /** Waiting for something after the replicas are ready. */
  after?: string;
  problem?: PodProblem;
  failure?: string;
}

function state(ref: string, phase: RolloutState["phase"], p: StateParts): RolloutState {
  const head = p.before ? `${ref} waiting for ${p.before}` : `${ref} ${p.ready}/${p.desired} ready`;
  const why = phase === "done" ? "" : (p.failure ?? (p.problem ? `pod ${p.problem.pod}: ${p.problem.reason}` : ""));
  const more = p.desired - p.ready;
  return {
    ref,
    phase,
    desired: p.desired,
    updated: p.updated,
    ready: p.ready,
    waitingFor: phase === "done" ? "" : (p.before ?? p.after ?? `${more} more replica${more === 1 ? "" : "s"} ready`),
    ...(p.problem ? { problem: p.problem } : {}),
    ...(p.failure ? { failure: p.failure } : {}),
    line: `${head}${p.after ? `, waiting for ${p.after}` : ""}${why ? ` (${why})` : ""}`,
  };
}

/** Why a rollout is not done, for an error message: the controller's failure, else the pod problem. */
export function explainRollout(s: RolloutState): string {
  const count = `${s.ready}/${s.desired} ready`;
  const p = s.problem;
  const pod =
    p &&
    `pod ${p.pod}${p.container ? ` (container ${p.container})` : ""}: ${p.reason}${p.message ? `: ${p.message}` : ""}`;
  return [count, s.failure ?? (pod ? undefined : `waiting for ${s.waitingFor}`), pod].filter(Boolean).join("; ");
}
