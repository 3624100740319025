// The one pivot the installer runs each way: the mover in direct mode (both API servers reachable
// from this process), its journal in the source. `lattice install` moves the cluster's objects from
// the bootstrap into the new cluster; `lattice uninstall` moves them back.
import { DEFAULT_NAMESPACE } from "../agent/api/types";
import { PivotKube } from "../pivot/client";
import { DirectTarget } from "../pivot/direct";
import { MutationCounter } from "../pivot/fault";
import { JournalStore } from "../pivot/journal-store";
import { Mover, type PivotResult } from "../pivot/mover";
import { KubeSource } from "../pivot/source";

/** Move Cluster `namespace/cluster` from the API server of `fromKubeconfig` to `toKubeconfig`'s. */
export async function moveCluster(
  fromKubeconfig: string,
  toKubeconfig: string,
  o: { namespace: string; cluster: string },
  say: (line: string) => void,
): Promise<PivotResult> {
  const counter = new MutationCounter(undefined);
  const source = PivotKube.open(fromKubeconfig, counter, "source");
  const target = PivotKube.open(toKubeconfig, counter, "target");
  try {
    return await new Mover({
      source: new KubeSource(source),
      target: new DirectTarget(target),
      journal: new JournalStore(source, DEFAULT_NAMESPACE),
      namespace: o.namespace,
      cluster: o.cluster,
      log: (line) => say(`pivot: ${line}`),
    }).run();
  } finally {
    source.close();
    target.close();
  }
}
