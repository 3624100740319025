// The environment's stack configuration, read once: which cluster (lattice:kubeconfig, a path
// relative to the project or the kubeconfig itself as a secret).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isKubeconfigContent } from "../kube/kubeconfig";

/** What one environment's stack config selects. */
export interface Environment {
  /** The target cluster's kubeconfig content, as a secret. */
  kubeconfig: pulumi.Output<string>;
}

/** The directory of Pulumi.yaml: relative paths in stack config are relative to it. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** Read the `lattice:` stack config; a missing or unreadable kubeconfig fails with the key's name. */
export function readEnvironment(projectDir = PROJECT_DIR): Environment {
  const config = new pulumi.Config("lattice");
  const kubeconfig = config.requireSecret("kubeconfig").apply((value) => {
    if (isKubeconfigContent(value)) return value;
    const file = path.resolve(projectDir, value);
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`lattice:kubeconfig: cannot read ${file}: ${(e as Error).message}`);
    }
  });
  return { kubeconfig };
}
