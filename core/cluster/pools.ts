// Worker pools as nodes see them: every worker carries lattice.dev/pool=<pool> plus the pool's own
// labels, set by the kubelet at registration (Machine labels reach Nodes only for a few prefixes).
import type { WorkerPool } from "../spec";
import { POOL_LABEL } from "./names";

/** "key=value" node labels of a pool's workers, sorted by key (deterministic flags). */
export function poolNodeLabels(pool: WorkerPool): string[] {
  const labels: Record<string, string> = { ...(pool.labels ?? {}), [POOL_LABEL]: pool.name };
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
}
