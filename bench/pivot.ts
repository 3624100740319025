// npm run bench:pivot — the issue-14 fixture (a provisioned cluster: 3 control-plane and 10 worker
// Machines with their bootstrap and infrastructure objects, Secrets, a labelled ConfigMap; 67
// objects move) moved by `bin/lattice pivot` and by the real `clusterctl move` v1.14.2, each between
// its own fresh pair of API servers, in the same run. Both are timed as processes, from start to
// exit. Before the last line, where lattice's time goes: process start-up, each phase, and its
// writes by kind. Last line: {"objects":…,"pivot_s":…,"clusterctl_s":…,"ratio":…}.
import { installLinkCrds } from "../agent/deploy/crds";
import { installCrds, startControlPlanes, stopAll, type ControlPlane } from "../test/harness/controlplane";
import { loadCrds } from "../test/harness/crds";
import { loadFixture, provisionedCluster } from "../test/harness/pivot-fixture";
import { CRD_SETS, clusterctlMove, latticePivot } from "../test/integration/pivot/support/bed";

const NS = "bench";
const seconds = (ms: number) => Math.round(ms / 10) / 100;

async function pair(name: string): Promise<{ source: ControlPlane; target: ControlPlane }> {
  const [source, target] = await startControlPlanes(2, { name });
  const crds = loadCrds(CRD_SETS, { clusterctlLabels: true });
  await Promise.all([
    installCrds(source!.client, crds),
    installCrds(target!.client, crds),
    installLinkCrds(source!.client),
  ]);
  await source!.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "lattice-system" } });
  await loadFixture(source!.client, provisionedCluster({ namespace: NS }));
  return { source: source!, target: target! };
}

async function main(): Promise<void> {
  const fixture = provisionedCluster({ namespace: NS });
  const objects = fixture.objects.length - fixture.stays.length;
  console.log(`fixture: ${fixture.objects.length} objects, ${objects} move`);
  const [forLattice, forClusterctl] = [await pair("bench-lattice"), await pair("bench-clusterctl")];
  try {
    const lat = await latticePivot(forLattice, NS);
    if (lat.code !== 0) throw new Error(`lattice pivot failed:\n${lat.stdout}${lat.stderr}`);
    const ctl = await clusterctlMove(forClusterctl, NS);
    if (ctl.code !== 0) throw new Error(`clusterctl move failed:\n${ctl.stdout}${ctl.stderr}`);

    const phases = [...lat.stdout.matchAll(/^phase (\w+)\s+(\d+\.\d\d) s$/gm)].map(
      (m) => [m[1]!, Number(m[2])] as const,
    );
    const moverSeconds = phases.at(-1)?.[1] ?? 0;
    console.log(
      `lattice pivot ${seconds(lat.ms)} s: process start-up and clients ${(seconds(lat.ms) - moverSeconds).toFixed(2)} s, then`,
    );
    let prev = 0;
    for (const [phase, at] of phases) {
      console.log(`  ${phase.padEnd(14)} ${(at - prev).toFixed(2)} s`);
      prev = at;
    }
    console.log(`  ${lat.stdout.trim().split("\n").at(-1)}`);
    console.log(`clusterctl move ${seconds(ctl.ms)} s`);
    const pivotS = seconds(lat.ms);
    const clusterctlS = seconds(ctl.ms);
    console.log(
      JSON.stringify({
        objects,
        pivot_s: pivotS,
        clusterctl_s: clusterctlS,
        ratio: Math.round((pivotS / clusterctlS) * 1000) / 1000,
      }),
    );
  } finally {
    await stopAll();
  }
}

main().catch(async (e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  await stopAll();
  process.exit(1);
});
