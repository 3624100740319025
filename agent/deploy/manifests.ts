// Everything a new cluster applies to run its agent, as returned by the bootstrap endpoint: the
// namespaces, the least-privilege RBAC and the Deployment. The identity Secret is not here: its key
// is made on the node and never leaves it (agent/child/bootstrap.ts adds the Secret locally).
import type { KubeObject } from "../../core/k8s/object";
import { renderAgentDeployment } from "./deployment";
import { renderAgentRbac } from "./rbac";

/** The agent image used when the cell is not told another. */
export const DEFAULT_AGENT_IMAGE = "ghcr.io/lattice-dev/lattice:0.1.0";

/** Inputs of renderAgentManifests. */
export interface AgentManifestOptions {
  namespace: string;
  capiNamespace: string;
  image: string;
  parentAddress: string;
}

/** The child's agent manifests, in apply order (namespaces first). */
export function renderAgentManifests(o: AgentManifestOptions): KubeObject[] {
  const namespaces = [...new Set([o.namespace, o.capiNamespace])].map((name): KubeObject => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "app.kubernetes.io/managed-by": "lattice" } },
  }));
  return [
    ...namespaces,
    ...renderAgentRbac(o.namespace, o.capiNamespace),
    renderAgentDeployment({ namespace: o.namespace, image: o.image, parentAddress: o.parentAddress }),
  ];
}
