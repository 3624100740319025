// The one-time bootstrap token in the parent over a cluster's life (issue 18). The Secret
// <cluster>-lattice-bootstrap keeps its keys for the cluster's whole life (Cluster API renders every
// new control-plane machine's data from it), but its `token` holds a usable token only while the
// cluster has never had an agent:
//   create                       a fresh token is issued into it (only its SHA-256 is in the link's records);
//   the agent has connected      the token is replaced by the marker BOOTSTRAP_TOKEN_SPENT ("scrub"), so
//                                no raw token stays in the parent; later control-plane nodes find the
//                                agent running in the cluster and skip (core/cluster/bootstrap-script.ts).
//                                The bootstrap provider copied the token into each control-plane
//                                machine's bootstrap data Secret (its rendered cloud-config): there too
//                                every token is replaced by the marker — a machine still booting then
//                                reads the marker and skips, as the agent is already running;
//   never connected, and the     a fresh token ("fresh"): the first redemption spent it without an agent
//   token is spent, expired or   coming up, or it expired while machines did not boot. The next `up`
//   gone                         issues one, and the next control-plane machine Cluster API creates
//                                (a rollout, a remediation) gets it.
// The provider settles this on create and update, before applying and once the cluster is ready.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { LinkState } from "../../agent/api/link-status";
import { issueBootstrapToken } from "../../agent/tokens/issue";
import { TokenStore } from "../../agent/tokens/store";
import { BOOTSTRAP_SECRET_KEYS, BOOTSTRAP_TOKEN_SPENT, NODE_PATHS, bootstrapSecretName } from "../../core/cluster";
import { CAPI_CLUSTER_NAME_LABEL } from "../../core/cluster/names";
import { latticeClusterLabels, notOurs } from "./teardown";

/** What the bootstrap Secret's token is now. */
export type TokenState = "usable" | "spent-marker" | "unusable" | "absent";
/** What to do about it. */
export type TokenAction = "keep" | "scrub" | "fresh";

/** The action for a link in `link` state and a token in `token` state (pure). */
export function tokenAction(link: LinkState, token: TokenState): TokenAction {
  if (link !== "never-connected") return token === "spent-marker" || token === "absent" ? "keep" : "scrub";
  return token === "usable" ? "keep" : "fresh";
}

/** Where the cluster's bootstrap Secret is and who writes it. */
export interface BootstrapSecretPlace {
  name: string;
  namespace: string;
  fieldManager: string;
  linkNamespace: string;
}

const ref = (p: BootstrapSecretPlace) => ({
  apiVersion: "v1",
  kind: "Secret",
  name: bootstrapSecretName(p.name),
  namespace: p.namespace,
});

/** The live bootstrap Secret; an error naming it when one of that name is not Lattice's. */
async function liveSecret(c: KubeClient, p: BootstrapSecretPlace): Promise<KubeObject | undefined> {
  const live = await c.getOrUndefined(ref(p));
  const why = live && notOurs(live, latticeClusterLabels(p.name));
  if (why)
    throw new Error(
      `LatticeCluster ${p.namespace}/${p.name}: Secret ${p.namespace}/${bootstrapSecretName(p.name)} exists and ${why}: ` +
        `Lattice does not take it over; rename or remove it`,
    );
  return live;
}

/** Issue a token through the link and keep it only in the parent's bootstrap Secret. */
export async function writeBootstrapSecret(c: KubeClient, p: BootstrapSecretPlace): Promise<void> {
  await liveSecret(c, p);
  const grant = await issueBootstrapToken(c, p.name, { capiNamespace: p.namespace, namespace: p.linkNamespace });
  if (!grant.bootstrapUrl)
    throw new Error(
      `LatticeCluster ${p.namespace}/${p.name}: no cell has published its endpoint in namespace ${p.linkNamespace} of the parent: run 'lattice cell' there first`,
    );
  await c.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: bootstrapSecretName(p.name),
        namespace: p.namespace,
        // Both movers (clusterctl move and lattice pivot) take a Secret labelled /move, and the
        // cluster-name label ties it to this cluster: a self-managed cluster's CABPK still needs it
        // to render data for a new control-plane machine once it manages itself (core/pivot).
        labels: {
          ...latticeClusterLabels(p.name),
          "clusterctl.cluster.x-k8s.io/move": "",
          "cluster.x-k8s.io/cluster-name": p.name,
        },
      },
      stringData: {
        [BOOTSTRAP_SECRET_KEYS.token]: grant.token,
        [BOOTSTRAP_SECRET_KEYS.endpoint]: grant.bootstrapUrl,
        [BOOTSTRAP_SECRET_KEYS.caCert]: grant.caBundle,
      },
    },
    { fieldManager: p.fieldManager },
  );
}

/** The state of the token in the live Secret. */
async function stateOf(c: KubeClient, p: BootstrapSecretPlace, live: KubeObject | undefined): Promise<TokenState> {
  const b64 = (live?.data as Record<string, string> | undefined)?.[BOOTSTRAP_SECRET_KEYS.token];
  const token = b64 ? Buffer.from(b64, "base64").toString("utf8") : "";
  if (!token) return "absent";
  if (token === BOOTSTRAP_TOKEN_SPENT) return "spent-marker";
  return new TokenStore(c, p.linkNamespace).inspect(token, p.name).then(
    () => "usable",
    () => "unusable",
  );
}

/** Bring the token in line with the link (see the header); returns what was done. */
export async function settleBootstrapToken(
  c: KubeClient,
  p: BootstrapSecretPlace,
  link: LinkState,
): Promise<TokenAction> {
  for (let attempt = 1; ; attempt++) {
    // The machines' copies first: if this stops half-way, the Secret still says "scrub" next time.
    if (link !== "never-connected") await scrubNodeData(c, p);
    const live = await liveSecret(c, p);
    const action = tokenAction(link, await stateOf(c, p, live));
    try {
      if (action === "fresh") await writeBootstrapSecret(c, p);
      if (action === "scrub") await scrub(c, p, live!);
      return action;
    } catch (e) {
      // 409: the Secret changed since it was read; decide again on what it is now.
      if (!(e instanceof KubeError && e.status === 409) || attempt >= 3) throw e;
    }
  }
}

/** Replace the token by the marker: only that key, and only in the Secret as it was read. */
async function scrub(c: KubeClient, p: BootstrapSecretPlace, live: KubeObject): Promise<void> {
  const body = {
    metadata: { resourceVersion: (live.metadata as { resourceVersion?: string }).resourceVersion },
    data: { [BOOTSTRAP_SECRET_KEYS.token]: Buffer.from(BOOTSTRAP_TOKEN_SPENT).toString("base64") },
  };
  const q = new URLSearchParams({ fieldManager: p.fieldManager });
  const name = bootstrapSecretName(p.name);
  await c.request(
    "PATCH",
    `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/secrets/${encodeURIComponent(name)}?${q}`,
    body,
    "application/merge-patch+json",
  );
}

/** A token anywhere in a text (the shape of agent/tokens/token.ts). */
const TOKEN_IN_TEXT = /lt1\.[A-Za-z0-9_-]{43}/g;
/** The type of Cluster API's Secrets, bootstrap data among them. */
const CAPI_SECRET_TYPE = "cluster.x-k8s.io/secret";

/**
 * A node's bootstrap data (it writes the token file) with every token replaced by the marker;
 * undefined when it is not bootstrap data or holds no token.
 */
export function scrubNodeText(text: string): string | undefined {
  if (!text.includes(NODE_PATHS.token)) return undefined;
  const scrubbed = text.replace(TOKEN_IN_TEXT, BOOTSTRAP_TOKEN_SPENT);
  return scrubbed === text ? undefined : scrubbed;
}

/**
 * Replace every token in the cluster's bootstrap data Secrets (Cluster API's, labelled with the
 * cluster, holding the node's token file) by the marker, key by key, each conditional on the
 * resourceVersion it was read at.
 */
async function scrubNodeData(c: KubeClient, p: BootstrapSecretPlace): Promise<void> {
  const secrets = await c.list("v1", "Secret", {
    namespace: p.namespace,
    labelSelector: `${CAPI_CLUSTER_NAME_LABEL}=${p.name}`,
  });
  for (const secret of secrets) {
    if ((secret as { type?: string }).type !== CAPI_SECRET_TYPE) continue;
    const changed: Record<string, string> = {};
    for (const [key, value] of Object.entries((secret.data as Record<string, string> | undefined) ?? {})) {
      const scrubbed = scrubNodeText(Buffer.from(value, "base64").toString("utf8"));
      if (scrubbed !== undefined) changed[key] = Buffer.from(scrubbed, "utf8").toString("base64");
    }
    if (!Object.keys(changed).length) continue;
    const q = new URLSearchParams({ fieldManager: p.fieldManager });
    await c.request(
      "PATCH",
      `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/secrets/${encodeURIComponent(secret.metadata.name)}?${q}`,
      {
        metadata: { resourceVersion: (secret.metadata as { resourceVersion?: string }).resourceVersion },
        data: changed,
      },
      "application/merge-patch+json",
    );
  }
}
