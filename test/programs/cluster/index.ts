// One LatticeCluster (Docker provider, kubeadm) in a parent cluster, sized by stack config.
import * as pulumi from "@pulumi/pulumi";
import { LatticeCluster } from "../../../components";

const config = new pulumi.Config();
const cluster = new LatticeCluster(config.get("name") ?? "edge", {
  namespace: "clusters",
  parent: { kubeconfig: config.requireSecret("parentKubeconfig") },
  spec: {
    provider: { kubernetes: { version: "1.36.3", bootstrap: "kubeadm" }, config: { docker: {} } },
    nodes: { controlPlane: { replicas: 1 }, workers: [{ name: "default", replicas: config.requireNumber("workers") }] },
  },
  timeoutSeconds: config.getNumber("timeoutSeconds") ?? 300,
});

export const phase = cluster.phase;
export const controlPlaneEndpoint = cluster.controlPlaneEndpoint;
export const agent = cluster.agent;
export const machines = cluster.machines;
export const kubeconfig = cluster.kubeconfig;
