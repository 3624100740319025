// The thin waiter around core/rollout: look at a Deployment, its ReplicaSets and Pods every second,
// report each change of its progress line, and end when it has rolled out, when its controller
// gives up, or at the deadline — with an error that names the Deployment and the pod's reason.
// Used by the rollout dynamic provider (providers/rollout) and usable by any provider that applies
// Deployments itself.
import { explainRollout, podProblemFix, readRollout, type RolloutState } from "../core/rollout";
import type { KubeClient } from "./client";

/** A rollout that failed or did not finish in time. */
export class RolloutError extends Error {
  constructor(
    readonly state: RolloutState,
    readonly timedOut: boolean,
    /** Who is waiting, for the message (e.g. "LatticeService webapp/api"); the Deployment's ref by default. */
    subject: string,
    timeoutSeconds: number,
  ) {
    const [namespace] = state.ref.split("/");
    const fix = state.problem
      ? podProblemFix(state.problem, namespace!)
      : `kubectl -n ${namespace} describe deployment ${state.ref.split("/")[1]}`;
    super(
      `${subject}: ${timedOut ? `not ready after ${timeoutSeconds} s` : "rollout failed"} ` +
        `(${explainRollout(state)})\n  fix: ${fix}`,
    );
    this.name = "RolloutError";
  }
}

export interface AwaitRolloutOptions {
  namespace: string;
  name: string;
  timeoutSeconds: number;
  /** Called with each state whose progress line differs from the previous one. */
  onProgress?: (s: RolloutState) => void;
  /** Who waits, for messages; "Deployment <ns>/<name>" by default. */
  subject?: string;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** One look: the Deployment, the ReplicaSets and Pods its selector matches. */
export async function observeRollout(client: KubeClient, namespace: string, name: string): Promise<RolloutState> {
  const ref = `${namespace}/${name}`;
  const deployment = await client.getOrUndefined({ apiVersion: "apps/v1", kind: "Deployment", namespace, name });
  if (!deployment) return readRollout(ref, { deployment, replicaSets: [], pods: [] });
  const match = (deployment.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
  const labelSelector = Object.entries(match ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const [replicaSets, pods] = await Promise.all([
    client.list("apps/v1", "ReplicaSet", { namespace, labelSelector }),
    client.list("v1", "Pod", { namespace, labelSelector }),
  ]);
  return readRollout(ref, { deployment, replicaSets, pods });
}

/** Wait until the Deployment has rolled out; throws RolloutError when it fails or at the deadline. */
export async function awaitRollout(client: KubeClient, opts: AwaitRolloutOptions): Promise<RolloutState> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const subject = opts.subject ?? `Deployment ${opts.namespace}/${opts.name}`;
  let last = "";
  for (;;) {
    const s = await observeRollout(client, opts.namespace, opts.name);
    if (s.line !== last) {
      last = s.line;
      opts.onProgress?.(s);
    }
    if (s.phase === "done") return s;
    if (s.phase === "failed") throw new RolloutError(s, false, subject, opts.timeoutSeconds);
    if (Date.now() >= deadline || opts.signal?.aborted) throw new RolloutError(s, true, subject, opts.timeoutSeconds);
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 1000, Math.max(0, deadline - Date.now()))));
  }
}
