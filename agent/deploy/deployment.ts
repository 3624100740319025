// The agent's Deployment in the child. Choices that are not defaults, and why:
//  - hostNetwork: the agent must reach the parent before the child has a CNI (Cilium arrives later,
//    possibly through this very link); it only dials out, so host networking opens nothing;
//  - tolerates control-plane and not-ready/uninitialized taints: the first node is all there is;
//  - one replica, Recreate: two agents for one cluster would only replace each other's stream;
//  - non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp;
//  - no port, no Service: nothing in the child listens for the link.
import type { KubeObject } from "../../core/k8s/object";
import { AGENT_NAME } from "../api/child";

/** What the Deployment needs to know. */
export interface AgentDeploymentOptions {
  namespace: string;
  image: string;
  /** host:port of the cell (overrides the address stored in the identity Secret). */
  parentAddress: string;
}

/** The agent's Deployment. */
export function renderAgentDeployment(o: AgentDeploymentOptions): KubeObject {
  const labels = { "app.kubernetes.io/name": AGENT_NAME, "app.kubernetes.io/managed-by": "lattice" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: AGENT_NAME, namespace: o.namespace, labels },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: { "app.kubernetes.io/name": AGENT_NAME } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: AGENT_NAME,
          hostNetwork: true,
          dnsPolicy: "ClusterFirstWithHostNet",
          priorityClassName: "system-cluster-critical",
          tolerations: [
            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
            { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
            { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Exists", effect: "NoSchedule" },
          ],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "agent",
              image: o.image,
              args: ["agent", "--parent", o.parentAddress],
              env: [{ name: "LATTICE_LOG_LEVEL", value: "info" }],
              resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
