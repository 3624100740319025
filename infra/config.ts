// The environment's stack configuration, read once:
//   lattice:kubeconfig      the cluster: a kubeconfig path relative to the project, or its content (secret)
//   lattice:services        comma-separated YAML directories or files, relative to the project
//   lattice:trustDomain     the mesh trust domain (default: Istio's "cluster.local")
//   lattice:awaitWorkloads  wait for Deployments to roll out (default true; false for node-less clusters)
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isKubeconfigContent } from "../kube/kubeconfig";

/** What one environment's stack config selects. */
export interface Environment {
  /** The target cluster's kubeconfig content, as a secret. */
  kubeconfig: pulumi.Output<string>;
  /** YAML paths (absolute) of the environment's services. */
  services: string[];
}

/** The directory of Pulumi.yaml: relative paths in stack config are relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** Read the `lattice:` stack config; a missing or unreadable kubeconfig fails naming the key. */
export function readEnvironment(projectDir = PROJECT_DIR): Environment {
  const config = new pulumi.Config("lattice");
  const kubeconfig = config.requireSecret("kubeconfig").apply((value) => {
    if (isKubeconfigContent(value)) return value;
    const file = path.resolve(projectDir, value);
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw new pulumi.RunError(`lattice:kubeconfig: cannot read ${file}: ${(e as Error).message}`);
    }
  });
  const services = (config.get("services") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.resolve(projectDir, p));
  return { kubeconfig, services };
}
