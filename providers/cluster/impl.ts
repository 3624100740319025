// Implementation of the Cluster API provisioning dynamic provider (loaded at run time by
// ./index.ts's shell). A LatticeCluster's CAPI manifests, server-side applied into the parent:
//   create  issue a one-time bootstrap token through the link (only its Secret in the parent holds
//           it; Pulumi state never does), apply the manifests, then wait — with a deadline, logging
//           progress — until the cluster is provisioned, every machine runs and its agent is
//           connected. A failure or a deadline part-way records a partially created resource
//           (Pulumi retries it on the next `up`) with a message saying what it was waiting for.
//   update  apply the new manifests (scaled pools, new versions), prune the ones no longer
//           compiled, wait again.
//   delete  delete the Cluster (CAPI deprovisions machines and infrastructure), wait until it is
//           gone, then remove every other object this resource applied and the link's records.
//   diff/read  documents, drift, and the cluster's status.
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { readLinkStatus } from "../../agent/api/link-status";
import { ensureNamespace } from "../../agent/api/namespace";
import { CLUSTER_LABEL, DEFAULT_NAMESPACE, LINK_API_VERSION } from "../../agent/api/types";
import { issueBootstrapToken } from "../../agent/tokens/issue";
import { BOOTSTRAP_SECRET_KEYS, bootstrapSecretName } from "../../core/cluster";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import * as objectSet from "../objectset/impl";
import { clientFor } from "../session";
import { readiness, type Desired, type Readiness } from "./readiness";

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
    if (r.ready) return state;
    if (Date.now() > deadline)
      throw new objectSet.PartialApplyError<ClusterState>(id, state, [
        `LatticeCluster ${i.namespace}/${i.name}: not ready after ${i.timeoutSeconds} s; waiting for: ${r.waitingFor.join("; ")} (${r.summary})`,
      ]);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Issue a token through the link and keep it only in the parent's bootstrap Secret. */
async function writeBootstrapSecret(c: KubeClient, i: ClusterInputs): Promise<void> {
  const grant = await issueBootstrapToken(c, i.name, {
    capiNamespace: i.namespace,
    ...(i.linkNamespace ? { namespace: i.linkNamespace } : {}),
  });
  if (!grant.bootstrapUrl)
    throw new Error(
      `LatticeCluster ${i.namespace}/${i.name}: no cell has published its endpoint in namespace ${i.linkNamespace ?? DEFAULT_NAMESPACE} of the parent: run 'lattice cell' there first`,
    );
  await c.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: bootstrapSecretName(i.name),
        namespace: i.namespace,
        // Both movers (clusterctl move and lattice pivot) take a Secret labelled /move, and the
        // cluster-name label ties it to this cluster: a self-managed cluster's CABPK still needs it
        // to render data for a new control-plane machine once it manages itself (core/pivot).
        labels: {
          "app.kubernetes.io/managed-by": "lattice",
          "lattice.dev/cluster": i.name,
          "clusterctl.cluster.x-k8s.io/move": "",
          "cluster.x-k8s.io/cluster-name": i.name,
        },
      },
      stringData: {
        [BOOTSTRAP_SECRET_KEYS.token]: grant.token,
        [BOOTSTRAP_SECRET_KEYS.endpoint]: grant.bootstrapUrl,
        [BOOTSTRAP_SECRET_KEYS.caCert]: grant.caBundle,
      },
    },
    { fieldManager: i.fieldManager },
  );
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
  if (!inputs.root) await writeBootstrapSecret(c, inputs);
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
  const ref = { apiVersion: CORE, kind: "Cluster", name: props.name, namespace: props.namespace };
  await c.delete(ref, { propagationPolicy: "Foreground" });
  const deadline = Date.now() + props.timeoutSeconds * 1000;
  for (let n = 0; await c.getOrUndefined(ref); n++) {
    if (Date.now() > deadline)
      throw new Error(
        `LatticeCluster ${props.namespace}/${props.name}: the Cluster is still being deleted after ${props.timeoutSeconds} s; Cluster API has not finished deprovisioning`,
      );
    if (n % 15 === 0) say(props, `deprovisioning: ${(await observe(c, props)).r.summary}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
  await objectSet.prune(c, props.fieldManager, props.objects ?? {}, Object.keys(props.objects ?? {}));
  await c.delete({
    apiVersion: "v1",
    kind: "Secret",
    name: bootstrapSecretName(props.name),
    namespace: props.namespace,
  });
  // The link's records of this cluster (its ClusterLink, spent tokens, finished commands).
  const linkNs = props.linkNamespace ?? DEFAULT_NAMESPACE;
  for (const [apiVersion, kind] of [
    [LINK_API_VERSION, "ClusterLink"],
    [LINK_API_VERSION, "AgentCommand"],
    ["v1", "Secret"],
  ] as const) {
    for (const o of await c
      .list(apiVersion, kind, { namespace: linkNs, labelSelector: `${CLUSTER_LABEL}=${props.name}` })
      .catch(() => []))
      await c.delete({ apiVersion, kind, name: o.metadata.name, namespace: linkNs });
  }
  say(props, "deleted");
}
export { remove as delete };
