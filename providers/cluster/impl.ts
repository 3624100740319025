// Implementation of the Cluster API provisioning dynamic provider (loaded at run time by
// ./index.ts's shell). A LatticeCluster's CAPI manifests, server-side applied into the parent:
//   create  issue a one-time bootstrap token through the link (only its Secret in the parent holds
//           it; Pulumi state never does), apply the manifests, then wait — with a deadline, logging
//           progress — until the cluster is provisioned, every machine runs and its agent is
//           connected; then the token in the Secret is replaced by a "spent" marker
//           (./bootstrap-token.ts). A failure or a deadline part-way records a partially created
//           resource (Pulumi retries it on the next `up`) with a message saying what it was waiting for.
//   update  settle the token (a fresh one if the agent never connected and the old one is spent or
//           expired), apply the new manifests (scaled pools, new versions), prune the ones no
//           longer compiled, wait again.
//   delete  delete the Cluster (CAPI deprovisions machines and infrastructure), wait until it is
//           gone, then remove every other object this resource applied and the link's records —
//           each only if it carries Lattice's ownership labels (./teardown.ts).
//   diff/read  documents, drift, and the cluster's status.
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { readLinkStatus } from "../../agent/api/link-status";
import { ensureNamespace } from "../../agent/api/namespace";
import {
  CLUSTER_LABEL,
  DEFAULT_NAMESPACE,
  LINK_API_VERSION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  QUEUE_FIELD_MANAGER,
} from "../../agent/api/types";
import { TOKEN_LABEL } from "../../agent/tokens/store";
import { bootstrapSecretName } from "../../core/cluster";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import * as objectSet from "../objectset/impl";
import { clientFor } from "../session";
import { settleBootstrapToken, writeBootstrapSecret, type BootstrapSecretPlace } from "./bootstrap-token";
import { readiness, type Desired, type Readiness } from "./readiness";
import { deleteIfOurs, deleteListedIfOurs, latticeClusterLabels } from "./teardown";

const CORE = "cluster.x-k8s.io/v1beta2";

/** Inputs of a provisioned cluster. */
export interface ClusterInputs {
  /** The parent's kubeconfig (a Pulumi secret). */
  kubeconfig: string;
  name: string;
  namespace: string;
  fieldManager: string;
  /** The CAPI manifests, keyed "Kind/namespace/name". */
  objects: Record<string, KubeObject>;
  desired: Desired;
  /** How long create/update/delete may wait (seconds). */
  timeoutSeconds: number;
  /** The cell's namespace in the parent (default lattice-system). */
  linkNamespace?: string;
  /** Root mode (`lattice install`): no parent link, so no bootstrap token and no agent to wait for. */
  root?: boolean;
}

/** State: inputs plus what the cluster reports. */
export interface ClusterState extends ClusterInputs {
  phase: string;
  controlPlaneEndpoint: string;
  machinesReady: number;
  machinesTotal: number;
  agent: string;
  /** The child's admin kubeconfig (CAPI's <cluster>-kubeconfig Secret): a secret output. */
  childKubeconfig: string;
}

const sets = (i: ClusterInputs): objectSet.ObjectSetInputs => ({
  kubeconfig: i.kubeconfig,
  fieldManager: i.fieldManager,
  objects: i.objects ?? {},
});
const say = (i: ClusterInputs, msg: string) => console.error(`LatticeCluster ${i.namespace}/${i.name}: ${msg}`);

/** One look at the cluster: its objects, its link, and the child kubeconfig if CAPI wrote it. */
async function observe(c: KubeClient, i: ClusterInputs): Promise<{ r: Readiness; childKubeconfig: string }> {
  const cluster = await c.getOrUndefined({ apiVersion: CORE, kind: "Cluster", name: i.name, namespace: i.namespace });
  const machines = await c.list(CORE, "Machine", {
    namespace: i.namespace,
    labelSelector: `cluster.x-k8s.io/cluster-name=${i.name}`,
  });
  const link = i.root
    ? undefined
    : await readLinkStatus(c, i.name, { namespace: i.linkNamespace ?? DEFAULT_NAMESPACE }).catch(() => undefined);
  const secret = await c.getOrUndefined({
    apiVersion: "v1",
    kind: "Secret",
    name: `${i.name}-kubeconfig`,
    namespace: i.namespace,
  });
  const value = (secret?.data as Record<string, string> | undefined)?.value;
  return {
    r: readiness(
      { ...(cluster ? { cluster } : {}), machines, ...(link ? { link: link.state } : {}) },
      i.desired,
      !!i.root,
    ),
    childKubeconfig: value ? Buffer.from(value, "base64").toString("utf8") : "",
  };
}

/** Wait until ready or the deadline; logs progress when it changes (and every 30 s). */
async function waitReady(c: KubeClient, i: ClusterInputs, id: string): Promise<ClusterState> {
  const deadline = Date.now() + i.timeoutSeconds * 1000;
  let last = "";
  let lastAt = 0;
  for (;;) {
    const { r, childKubeconfig } = await observe(c, i);
    const state: ClusterState = {
      ...i,
      phase: r.phase,
      controlPlaneEndpoint: r.controlPlaneEndpoint ?? "",
      machinesReady: r.machinesReady,
      machinesTotal: r.machinesTotal,
      agent: i.root ? "none (root cluster)" : r.waitingFor.some((w) => w.startsWith("agent")) ? "waiting" : "connected",
      childKubeconfig,
    };
    if (r.summary !== last || Date.now() - lastAt > 30_000) {
      say(i, r.ready ? `ready: ${r.summary}` : `${r.summary}; waiting for ${r.waitingFor.join(", ")}`);
      last = r.summary;
      lastAt = Date.now();
    }
    if (r.ready) {
      await settleToken(c, i);
      return state;
    }
    if (Date.now() > deadline)
      throw new objectSet.PartialApplyError<ClusterState>(id, state, [
        `LatticeCluster ${i.namespace}/${i.name}: not ready after ${i.timeoutSeconds} s; waiting for: ${r.waitingFor.join("; ")} (${r.summary})`,
      ]);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Where the cluster's bootstrap Secret lives and who writes it. */
const place = (i: ClusterInputs): BootstrapSecretPlace => ({
  name: i.name,
  namespace: i.namespace,
  fieldManager: i.fieldManager,
  linkNamespace: i.linkNamespace ?? DEFAULT_NAMESPACE,
});

/** Settle the bootstrap token against the link as it is now; says so when it changed anything. */
async function settleToken(c: KubeClient, i: ClusterInputs): Promise<void> {
  if (i.root) return; // a root cluster (lattice install) has no parent link and no token
  const link = await readLinkStatus(c, i.name, { namespace: i.linkNamespace ?? DEFAULT_NAMESPACE });
  const action = await settleBootstrapToken(c, place(i), link.state);
  if (action === "scrub") say(i, "the agent has connected: the bootstrap token is gone from the parent");
  if (action === "fresh")
    say(i, "the agent never connected and the bootstrap token was spent or expired: issued a fresh one");
}

async function applyAll(c: KubeClient, i: ClusterInputs, id: string, held: Record<string, KubeObject>): Promise<void> {
  const res = await objectSet.applyKeys(c, sets(i), Object.keys(i.objects));
  if (res.error) {
    const objects = { ...held, ...Object.fromEntries(res.applied.map((k) => [k, i.objects[k]!])) };
    throw new objectSet.PartialApplyError<ClusterInputs>(id, { ...i, objects }, [
      `LatticeCluster ${i.namespace}/${i.name}: applied ${res.applied.length} of ${Object.keys(i.objects).length} manifests; ${res.error}`,
    ]);
  }
}

export async function check(
  _olds: ClusterInputs,
  news: ClusterInputs,
): Promise<pulumi.dynamic.CheckResult<ClusterInputs>> {
  const failures = objectSet.validate(sets(news));
  if (!(news.timeoutSeconds > 0))
    failures.push({ property: "timeoutSeconds", reason: "expected a positive number of seconds" });
  return failures.length ? { failures } : { inputs: news };
}

export async function diff(id: string, olds: ClusterState, news: ClusterInputs): Promise<pulumi.dynamic.DiffResult> {
  if (olds.name !== news.name || olds.namespace !== news.namespace)
    return { changes: true, replaces: olds.name !== news.name ? ["name"] : ["namespace"] };
  const docs = await objectSet.diff(id, sets(olds), sets(news));
  return {
    changes:
      !!docs.changes ||
      JSON.stringify(olds.desired) !== JSON.stringify(news.desired) ||
      olds.timeoutSeconds !== news.timeoutSeconds,
  };
}

export async function create(inputs: ClusterInputs): Promise<pulumi.dynamic.CreateResult<ClusterState>> {
  const c = clientFor(inputs.kubeconfig);
  const id = randomUUID();
  await ensureNamespace(c, inputs.namespace); // created if absent; never deleted by Lattice
  if (!inputs.root) await writeBootstrapSecret(c, place(inputs));
  await applyAll(c, inputs, id, {});
  say(inputs, `applied ${Object.keys(inputs.objects).length} manifests; waiting up to ${inputs.timeoutSeconds} s`);
  return { id, outs: await waitReady(c, inputs, id) };
}

export async function read(id: string, props: ClusterState): Promise<pulumi.dynamic.ReadResult<ClusterState>> {
  const c = clientFor(props.kubeconfig);
  const docs = await objectSet.read(id, sets(props));
  const { r, childKubeconfig } = await observe(c, props);
  return {
    id,
    props: {
      ...props,
      objects: docs.props!.objects,
      phase: r.phase,
      controlPlaneEndpoint: r.controlPlaneEndpoint ?? "",
      machinesReady: r.machinesReady,
      machinesTotal: r.machinesTotal,
      childKubeconfig,
    },
  };
}

export async function update(
  id: string,
  olds: ClusterState,
  news: ClusterInputs,
): Promise<pulumi.dynamic.UpdateResult<ClusterState>> {
  const c = clientFor(news.kubeconfig);
  await settleToken(c, news);
  await applyAll(c, news, id, olds.objects);
  const gone = Object.keys(olds.objects ?? {}).filter((k) => !(k in news.objects));
  await objectSet.prune(c, news.fieldManager, olds.objects, gone);
  say(
    news,
    `applied ${Object.keys(news.objects).length} manifests (${gone.length} removed); waiting up to ${news.timeoutSeconds} s`,
  );
  return { outs: await waitReady(c, news, id) };
}

async function remove(_id: string, props: ClusterState): Promise<void> {
  const c = clientFor(props.kubeconfig);
  const warn = (line: string) => say(props, line);
  const owned = latticeClusterLabels(props.name);
  const ref = { apiVersion: CORE, kind: "Cluster", name: props.name, namespace: props.namespace };
  if ((await deleteIfOurs(c, ref, owned, warn, { propagationPolicy: "Foreground" })) === "deleted") {
    const deadline = Date.now() + props.timeoutSeconds * 1000;
    for (let n = 0; await c.getOrUndefined(ref); n++) {
      if (Date.now() > deadline)
        throw new Error(
          `LatticeCluster ${props.namespace}/${props.name}: the Cluster is still being deleted after ${props.timeoutSeconds} s; Cluster API has not finished deprovisioning`,
        );
      if (n % 15 === 0) say(props, `deprovisioning: ${(await observe(c, props)).r.summary}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  await objectSet.prune(c, props.fieldManager, props.objects ?? {}, Object.keys(props.objects ?? {}));
  await deleteIfOurs(
    c,
    { apiVersion: "v1", kind: "Secret", name: bootstrapSecretName(props.name), namespace: props.namespace },
    owned,
    warn,
  );
  // The link's records of this cluster (its ClusterLink, spent tokens, finished commands), found by
  // label: each only if the link wrote it (its managed-by label; a token record also its own label).
  const linkNs = props.linkNamespace ?? DEFAULT_NAMESPACE;
  const byCluster = { [CLUSTER_LABEL]: props.name };
  for (const [apiVersion, kind, expected] of [
    [LINK_API_VERSION, "ClusterLink", { ...byCluster, [MANAGED_BY_LABEL]: MANAGED_BY }],
    [LINK_API_VERSION, "AgentCommand", { ...byCluster, [MANAGED_BY_LABEL]: QUEUE_FIELD_MANAGER }],
    ["v1", "Secret", { ...byCluster, [MANAGED_BY_LABEL]: MANAGED_BY, [TOKEN_LABEL]: "true" }],
  ] as const) {
    const found = await c
      .list(apiVersion, kind, { namespace: linkNs, labelSelector: `${CLUSTER_LABEL}=${props.name}` })
      .catch(() => []);
    await deleteListedIfOurs(c, found, expected, warn);
  }
  say(props, "deleted");
}
export { remove as delete };
