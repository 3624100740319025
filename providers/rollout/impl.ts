// Implementation of the rollout dynamic provider (loaded at run time by ./index.ts's shell).
//   create/update  wait for the Deployment's rollout (kube/rollout.ts), writing one progress line
//                  per change to stderr (the engine shows it); fail at the deadline with the pod's
//                  reason. A failed wait records nothing, so the next `up` waits again.
//   diff           any input changed (a new uid or generation means a new rollout to wait for).
//   read/delete    nothing to read back or delete: the resource owns no object.
import type * as pulumi from "@pulumi/pulumi";
import { awaitRollout } from "../../kube/rollout";
import { clientFor } from "../session";

/** Inputs of a rollout wait. */
export interface RolloutInputs {
  kubeconfig: string;
  namespace: string;
  name: string;
  subject: string;
  uid: string;
  generation: number;
  timeoutSeconds: number;
}

/** State: the inputs and how many replicas were ready at the end. */
export interface RolloutOutputs extends RolloutInputs {
  ready: number;
}

const WATCHED = ["namespace", "name", "uid", "generation", "timeoutSeconds", "subject"] as const;

async function wait(i: RolloutInputs): Promise<RolloutOutputs> {
  const s = await awaitRollout(clientFor(i.kubeconfig), {
    namespace: i.namespace,
    name: i.name,
    timeoutSeconds: i.timeoutSeconds,
    subject: i.subject,
    onProgress: (p) => console.error(`rollout ${p.line}`),
  });
  return { ...i, ready: s.ready };
}

export async function check(
  _olds: RolloutInputs,
  news: RolloutInputs,
): Promise<pulumi.dynamic.CheckResult<RolloutInputs>> {
  return { inputs: news };
}

export async function diff(_id: string, olds: RolloutOutputs, news: RolloutInputs): Promise<pulumi.dynamic.DiffResult> {
  const changed = WATCHED.filter((k) => olds[k] !== news[k]);
  return { changes: changed.length > 0 || olds.kubeconfig !== news.kubeconfig };
}

export async function create(inputs: RolloutInputs): Promise<pulumi.dynamic.CreateResult<RolloutOutputs>> {
  return { id: `${inputs.namespace}/${inputs.name}`, outs: await wait(inputs) };
}

export async function read(id: string, props: RolloutOutputs): Promise<pulumi.dynamic.ReadResult<RolloutOutputs>> {
  return { id, props };
}

export async function update(
  _id: string,
  _olds: RolloutOutputs,
  news: RolloutInputs,
): Promise<pulumi.dynamic.UpdateResult<RolloutOutputs>> {
  return { outs: await wait(news) };
}

async function remove(): Promise<void> {}
export { remove as delete };
