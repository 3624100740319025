// Waiting for the Deployments a set applied to roll out (awaitWorkloads), with a deadline and a
// progress line whenever a count changes ("mesh/api 1/2 ready"). A Deployment has rolled out when
// its controller has seen the applied generation and every replica is updated and available.
// A deadline passed fails the operation as a partial apply: the objects are there, the state says
// so, and the message names each Deployment still waiting and what it reports.
import type { KubeObject } from "../../core/k8s/object";
import { refOf } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { say } from "../objectset/apply";
import { PartialApplyError } from "../objectset/impl";

/** How long `up` waits for a rollout (as a Deployment's own default progress deadline). */
export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 600;

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Whether a live Deployment has rolled out, and a short line of where it is. */
export function rolloutOf(live: KubeObject | undefined): { done: boolean; line: string } {
  if (!live) return { done: false, line: "not found" };
  const want = (live.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const s = (live.status ?? {}) as DeploymentStatus;
  const generation = (live.metadata as { generation?: number }).generation ?? 0;
  const seen = (s.observedGeneration ?? 0) >= generation;
  const ready = Math.min(s.updatedReplicas ?? 0, s.availableReplicas ?? 0);
  const stuck = s.conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
  const done = seen && ready >= want && (s.updatedReplicas ?? 0) >= want && !s.unavailableReplicas;
  return { done, line: `${ready}/${want} ready${stuck ? ` (${stuck.message ?? stuck.reason})` : ""}` };
}

/** Wait until every Deployment has rolled out, or throw a partial apply with `partial` as the state. */
export async function waitForRollouts<S>(
  c: KubeClient,
  deployments: readonly KubeObject[],
  partial: { id: string; state: S },
  timeoutSeconds = DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const last = new Map<string, string>();
  let waiting = [...deployments];
  while (waiting.length) {
    const seen = await Promise.all(waiting.map(async (d) => ({ d, r: rolloutOf(await c.getOrUndefined(refOf(d))) })));
    for (const { d, r } of seen) {
      const name = `${d.metadata.namespace}/${d.metadata.name}`;
      if (last.get(name) !== r.line) say(`rollout: ${name} ${r.line}`);
      last.set(name, r.line);
    }
    waiting = seen.filter((x) => !x.r.done).map((x) => x.d);
    if (!waiting.length) return;
    if (Date.now() > deadline)
      throw new PartialApplyError<S>(partial.id, partial.state, [
        `not rolled out after ${timeoutSeconds} s: ${waiting
          .map((d) => `${d.metadata.namespace}/${d.metadata.name} ${last.get(`${d.metadata.namespace}/${d.metadata.name}`)}`)
          .join("; ")}`,
      ]);
    await new Promise((res) => setTimeout(res, 1000));
  }
}
