// Waiting for the Deployments a set applied to roll out (awaitWorkloads), with Lattice's one waiter
// (kube/rollout.ts, reading core/rollout): one line on stderr per change ("rollout shop/api 1/2
// ready"), each Deployment up to its service's spec.rollout.timeoutSeconds, failures named as the
// waiter names them (the service, the pod's reason, a fix). Every Deployment is waited for side by
// side, so a set's deadline is its slowest service's, not their sum.
import type { KubeClient } from "../../kube/client";
import { awaitRollout, RolloutError } from "../../kube/rollout";

/** How long `up` waits for a rollout when the spec does not say (as Deployments' own progress deadline). */
export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 600;

/** One Deployment to wait for. */
export interface RolloutWait {
  namespace: string;
  name: string;
  timeoutSeconds: number;
  /** Who waits, for messages: "LatticeService shop/api". */
  subject: string;
}

/** A rollout that did not finish: the member ("namespace/name") and the waiter's message. */
export interface RolloutFailure {
  ref: string;
  message: string;
}

/** Wait for every rollout; the failures (none when all rolled out). */
export async function waitForRollouts(c: KubeClient, waits: readonly RolloutWait[]): Promise<RolloutFailure[]> {
  // Each look is a GET and two LISTs: poll less often when many Deployments are waited for at once.
  const intervalMs = Math.max(1000, waits.length * 20);
  const results = await Promise.all(
    waits.map(async (w): Promise<RolloutFailure | undefined> => {
      try {
        await awaitRollout(c, { ...w, intervalMs, onProgress: (p) => console.error(`rollout ${p.line}`) });
        return undefined;
      } catch (e) {
        const message = e instanceof RolloutError ? e.message : `${w.subject}: ${(e as Error).message}`;
        return { ref: `${w.namespace}/${w.name}`, message };
      }
    }),
  );
  return results.filter((r): r is RolloutFailure => r !== undefined);
}
