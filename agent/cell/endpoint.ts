// How to reach the cell, published in the parent (ConfigMap lattice-cell in the cell's namespace)
// so that code with only the parent's kubeconfig (a dynamic provider issuing a bootstrap token) can
// hand a new node everything it needs: the bootstrap URL, the gRPC address, the name on the cell's
// certificate and the CA to trust. None of it is secret.
import type { KubeClient } from "../../kube/client";
import { CELL_FIELD_MANAGER, ENDPOINT_CONFIGMAP_NAME, MANAGED_BY, MANAGED_BY_LABEL } from "../api/types";

/** The cell's published coordinates. */
export interface CellEndpoint {
  /** https://host:port of the bootstrap endpoint. */
  bootstrapUrl: string;
  /** host:port of the gRPC link. */
  grpcAddress: string;
  /** The DNS name on the cell's serving certificate that agents verify. */
  serverName: string;
  /** PEM of the cell CA. */
  caBundle: string;
}

interface EndpointConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: { name: string; namespace: string };
  data?: Record<string, string>;
  [k: string]: unknown;
}

/** Write (server-side apply) the endpoint ConfigMap. */
export async function publishEndpoint(kube: KubeClient, namespace: string, ep: CellEndpoint): Promise<void> {
  await kube.apply(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: ENDPOINT_CONFIGMAP_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
      data: {
        bootstrapUrl: ep.bootstrapUrl,
        grpcAddress: ep.grpcAddress,
        serverName: ep.serverName,
        "ca.crt": ep.caBundle,
      },
    },
    { fieldManager: CELL_FIELD_MANAGER },
  );
}

/** The published endpoint, or undefined when no cell has published one yet. */
export async function readEndpoint(kube: KubeClient, namespace: string): Promise<CellEndpoint | undefined> {
  const cm = await kube.getOrUndefined<EndpointConfigMap>({
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace,
    name: ENDPOINT_CONFIGMAP_NAME,
  });
  const d = cm?.data;
  if (!d?.bootstrapUrl || !d.grpcAddress || !d.serverName || !d["ca.crt"]) return undefined;
  return { bootstrapUrl: d.bootstrapUrl, grpcAddress: d.grpcAddress, serverName: d.serverName, caBundle: d["ca.crt"] };
}
