// The program `pulumi up` runs for each environment (Pulumi.<env>.yaml selects the cluster).
import * as k8s from "@pulumi/kubernetes";
import { readEnvironment } from "./config";

const env = readEnvironment();
const provider = new k8s.Provider("cluster", { kubeconfig: env.kubeconfig });

const system = new k8s.core.v1.Namespace(
  "lattice-system",
  { metadata: { name: "lattice-system", labels: { "app.kubernetes.io/managed-by": "lattice" } } },
  { provider },
);

export const systemNamespace = system.metadata.name;
