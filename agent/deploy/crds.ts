// The link's CRDs (agent/deploy/crds/*.yaml), for the parent: loaded as objects, installed and
// waited for (Established) by installLinkCrds — what tests and the cell's deployment use.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";

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
  const crds = linkCrds();
  for (const crd of crds) await kube.apply(crd, { fieldManager: "lattice" });
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await kube.get({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: crd.metadata.name,
      });
      const conds = (live.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await sleep(50);
    }
  }
}
