// Issuing a bootstrap token with only the parent's kubeconfig: stores the hashed record, makes sure
// the CA exists (so a token can be issued before any cell ran) and the cluster's ClusterLink, and
// returns everything a new node needs to redeem it. The token is in the result once and nowhere
// else in clear: treat the result as a secret (a Pulumi secret output, a file with mode 0600).
import { KubeError, type KubeClient } from "../../kube/client";
import { ensureNamespace } from "../api/namespace";
import {
  CELL_FIELD_MANAGER,
  CLUSTER_LABEL,
  DEFAULT_NAMESPACE,
  LINK_API_VERSION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
} from "../api/types";
import { readEndpoint } from "../cell/endpoint";
import { loadOrCreateCa } from "../pki/store";
import { CELL_SERVER_NAME } from "../protocol/identity";
import { TokenStore } from "./store";

/** What the caller hands to the new node. */
export interface BootstrapGrant {
  /** The one-time token (secret). */
  token: string;
  cluster: string;
  expiresAt: Date;
  /** The cell CA, PEM: the node trusts the bootstrap endpoint with it. */
  caBundle: string;
  /** The name on the cell's certificate. */
  serverName: string;
  /** Where to redeem, if a cell has published its endpoint. */
  bootstrapUrl?: string;
  /** Where the agent dials, if a cell has published its endpoint. */
  parentAddress?: string;
}

export interface IssueOptions {
  /** Lifetime in seconds (default 7200: long enough for a machine to boot and run kubeadm). */
  ttlSeconds?: number;
  /** The cell's namespace (default lattice-system). */
  namespace?: string;
  /** Where the cluster's Cluster API objects live (what its agent may import into; default "default"). */
  capiNamespace?: string;
}

/** Issue a single-use bootstrap token for `cluster`. */
export async function issueBootstrapToken(
  kube: KubeClient,
  cluster: string,
  opts: IssueOptions = {},
): Promise<BootstrapGrant> {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  await ensureNamespace(kube, namespace);
  const ca = await loadOrCreateCa(kube, namespace);
  try {
    await kube.apply(
      {
        apiVersion: LINK_API_VERSION,
        kind: "ClusterLink",
        metadata: { name: cluster, namespace, labels: { [CLUSTER_LABEL]: cluster, [MANAGED_BY_LABEL]: MANAGED_BY } },
        spec: { cluster },
      },
      { fieldManager: CELL_FIELD_MANAGER },
    );
  } catch (e) {
    if (e instanceof KubeError && e.status === 404)
      throw new Error(`the parent does not serve ClusterLink (${LINK_API_VERSION}): install agent/deploy/crds first`);
    throw e;
  }
  const issued = await new TokenStore(kube, namespace).issue(cluster, {
    ttlSeconds: opts.ttlSeconds ?? 7200,
    ...(opts.capiNamespace ? { capiNamespace: opts.capiNamespace } : {}),
  });
  const ep = await readEndpoint(kube, namespace);
  return {
    token: issued.token,
    cluster,
    expiresAt: issued.expiresAt,
    caBundle: ca.certPem,
    serverName: ep?.serverName ?? CELL_SERVER_NAME,
    ...(ep ? { bootstrapUrl: ep.bootstrapUrl, parentAddress: ep.grpcAddress } : {}),
  };
}
