// Installing CustomResourceDefinitions: apply, then wait until the API server serves each one
// (Established), so the caller's next request for the kind does not 404.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../core/k8s/object";
import type { KubeClient } from "./client";

/** Apply `crds` with `fieldManager` and wait until every one is Established (or throw after `timeoutMs`). */
export async function applyCrds(
  client: KubeClient,
  crds: readonly KubeObject[],
  fieldManager: string,
  timeoutMs = 60_000,
): Promise<void> {
  await Promise.all(crds.map((crd) => client.apply(crd, { fieldManager })));
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await client.get({
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
