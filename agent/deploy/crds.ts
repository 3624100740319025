// The link's CRDs (agent/deploy/crds/*.yaml), for the parent: loaded as objects, installed and
// waited for (Established) by installLinkCrds — what tests and the cell's deployment use.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { applyCrds } from "../../kube/crds";

/** The directory holding the CRD YAML. */
export const LINK_CRD_DIR = path.join(__dirname, "crds");

/** The link's CRDs as objects. */
export function linkCrds(): KubeObject[] {
  return readdirSync(LINK_CRD_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(LINK_CRD_DIR, f), "utf8")).map((d) => d.toJS() as KubeObject),
    );
}

/** Apply the link's CRDs and wait until the API serves them. */
export async function installLinkCrds(kube: KubeClient, timeoutMs = 60_000): Promise<void> {
  await applyCrds(kube, linkCrds(), "lattice", timeoutMs);
}
