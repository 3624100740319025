// Records the object states core/rollout's table tests read (core/rollout/__states__/*.json): runs
// rollouts on the test bed — the REAL Deployment and ReplicaSet controllers and kube-scheduler, pods
// played by the pod simulator — and keeps every observation whose progress line differs from the
// previous one. Fields the reader never looks at (managed fields, pod templates) are dropped to
// keep the files reviewable. Run after a Kubernetes upgrade, then review the test's expectations:
//   TS_NODE_PROJECT=tsconfig.json node -r ts-node/register scripts/record-rollout-states.ts
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import type { KubeObject } from "../core/k8s/object";
import { readRollout, type RolloutObservation } from "../core/rollout";
import type { KubeClient } from "../kube/client";
import { startControlPlane } from "../test/harness/controlplane";

const NS = "shop";
const NEVER = "registry.invalid/shop/api:never";
const OUT = path.join(__dirname, "..", "core", "rollout", "__states__");

const deployment = (image: string, extra: Record<string, unknown> = {}, cpu = "100m") => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: NS },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "api" } },
    template: {
      metadata: { labels: { app: "api" } },
      spec: { containers: [{ name: "main", image, resources: { requests: { cpu } } }] },
    },
    ...extra,
  },
});

/** The fields of an object the reader (or a person reviewing the file) looks at; nothing else. */
function slim(o: KubeObject): KubeObject {
  const m = o.metadata as KubeObject["metadata"] & Record<string, unknown>;
  const revision = m.annotations?.["deployment.kubernetes.io/revision"];
  const metadata = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    ...(m.generation !== undefined ? { generation: m.generation } : {}),
    ...(revision ? { annotations: { "deployment.kubernetes.io/revision": revision } } : {}),
    ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
  };
  const spec = o.spec as Record<string, unknown> & { containers?: { name: string; image: string }[] };
  if (o.kind === "Pod") {
    const st = (o.status ?? {}) as Record<string, unknown>;
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata,
      spec: { nodeName: spec.nodeName, containers: spec.containers!.map((c) => ({ name: c.name, image: c.image })) },
      status: {
        phase: st.phase,
        conditions: conditions(st.conditions),
        containerStatuses: (st.containerStatuses as Record<string, unknown>[] | undefined)?.map((c) => ({
          name: c.name,
          ready: c.ready,
          state: c.state,
          ...(c.lastState && Object.keys(c.lastState).length ? { lastState: c.lastState } : {}),
        })),
      },
    };
  }
  const { template: _t, selector: _s, strategy: _st, revisionHistoryLimit: _r, ...rest } = spec;
  const status = (o.status ?? {}) as Record<string, unknown>;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata,
    spec: rest,
    status: { ...status, ...(status.conditions ? { conditions: conditions(status.conditions) } : {}) },
  };
}

/** Conditions without their timestamps (the reader goes by type, status, reason and message). */
const conditions = (list: unknown) =>
  (list as Record<string, unknown>[] | undefined)?.map(({ type, status, reason, message }) => ({
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }));

async function observation(client: KubeClient): Promise<RolloutObservation> {
  const d = await client.getOrUndefined({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "api" });
  const sel = { namespace: NS, labelSelector: "app=api" };
  const [rs, pods] = await Promise.all([client.list("apps/v1", "ReplicaSet", sel), client.list("v1", "Pod", sel)]);
  return { deployment: d && slim(d), replicaSets: rs.map(slim), pods: pods.map(slim) };
}

/** Apply, then record each distinct state until `until` holds or `ms` pass. */
async function record(
  client: KubeClient,
  file: string,
  change: () => Promise<unknown>,
  until: (line: string, phase: string) => boolean,
  ms = 60_000,
): Promise<void> {
  const states: { line: string; observation: RolloutObservation }[] = [];
  await change();
  const deadline = Date.now() + ms;
  for (;;) {
    const o = await observation(client);
    const s = readRollout(`${NS}/api`, o);
    if (states[states.length - 1]?.line !== s.line) states.push({ line: s.line, observation: o });
    if (until(s.line, s.phase) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  writeFileSync(path.join(OUT, file), format(states));
  console.log(`${file}: ${states.map((s) => s.line).join(" | ")}`);
}

/** JSON with one object per line: a state's line, then its Deployment, ReplicaSets and Pods. */
function format(states: { line: string; observation: RolloutObservation }[]): string {
  const list = (xs: readonly KubeObject[]) =>
    xs.length ? `[\n${xs.map((x) => `    ${JSON.stringify(x)}`).join(",\n")}\n   ]` : "[]";
  const one = ({ line, observation: o }: (typeof states)[number]) =>
    [
      ` {"line": ${JSON.stringify(line)}, "observation": {`,
      `   "deployment": ${JSON.stringify(o.deployment ?? null)},`,
      `   "replicaSets": ${list(o.replicaSets)},`,
      `   "pods": ${list(o.pods)}`,
      " }}",
    ].join("\n");
  return `[\n${states.map(one).join(",\n")}\n]\n`;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({
    name: "record",
    workloads: { nodes: 1, neverPulls: [NEVER], readyAfterMs: 1500 },
  });
  const c = cp.client;
  try {
    await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const apply = (o: KubeObject) => () => c.apply(o);
    const done = (_: string, phase: string) => phase === "done";
    await record(c, "create.json", apply(deployment("shop/api:1")), done);
    await record(c, "update-never-pulls.json", apply(deployment(NEVER)), (l) => /ImagePullBackOff/.test(l), 20_000);
    await record(c, "update-fixed.json", apply(deployment("shop/api:2")), done);
    await record(
      c,
      "scale-to-zero.json",
      apply({ ...deployment("shop/api:2"), spec: { ...deployment("shop/api:2").spec, replicas: 0 } }),
      done,
    );
    await record(
      c,
      "unschedulable.json",
      apply(deployment("shop/api:3", {}, "100")),
      (l) => /Unschedulable/.test(l),
      20_000,
    );
    await c.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "api" });
    for (let o = await observation(c); o.replicaSets.length + o.pods.length > 0; o = await observation(c))
      await new Promise((r) => setTimeout(r, 200)); // the garbage collector and the kubelet remove the rest
    await record(
      c,
      "progress-deadline.json",
      apply(deployment(NEVER, { progressDeadlineSeconds: 3 })),
      (_, phase) => phase === "failed",
      30_000,
    );
  } finally {
    await cp.stop();
  }
}

void main();
