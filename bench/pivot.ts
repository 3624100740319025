// npm run bench:pivot — the issue-14 fixture (a provisioned cluster: 3 control-plane and 10 worker
// Machines with their bootstrap and infrastructure objects, Secrets, a labelled ConfigMap; 67
// objects move) moved by `bin/lattice pivot` and by the real `clusterctl move` v1.14.2, each between
// its own fresh pair of API servers, in the same run. Both are timed as processes, from start to
// exit. Before the last line, where lattice's time goes: process start-up, then each phase (the
// time to enter it: "Verified" is the copying, "Tidy" the source's deletion). `-- --runs N` repeats
// with fresh API servers (the order alternating) and reports medians.
// Last line: {"objects":…,"pivot_s":…,"clusterctl_s":…,"ratio":…}.
import { installLinkCrds } from "../agent/deploy/crds";
import { installCrds, startControlPlanes, stopAll, type ControlPlane } from "../test/harness/controlplane";
import { loadCrds } from "../test/harness/crds";
import { loadFixture, provisionedCluster } from "../test/harness/pivot-fixture";
import { loadavg as osLoad } from "node:os";
import { CRD_SETS, clusterctlMove, latticePivot, type Run } from "../test/integration/pivot/support/bed";

const NS = "bench";
const seconds = (ms: number) => Math.round(ms / 10) / 100;
const loadavg = () =>
  osLoad()
    .map((l) => l.toFixed(2))
    .join(" ");

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

/** Seconds of each run; with --runs N (fresh API servers every run, the order alternating), the medians. */
async function once(i: number): Promise<{ lat: Run; ctl: Run }> {
  const [forLattice, forClusterctl] = [await pair(`bench-lattice-${i}`), await pair(`bench-clusterctl-${i}`)];
  try {
    const first = i % 2 === 0 ? "lattice" : "clusterctl";
    let lat: Run | undefined;
    let ctl: Run | undefined;
    for (const who of first === "lattice" ? ["lattice", "clusterctl"] : ["clusterctl", "lattice"]) {
      if (who === "lattice") lat = await latticePivot(forLattice, NS);
      else ctl = await clusterctlMove(forClusterctl, NS);
    }
    if (lat!.code !== 0) throw new Error(`lattice pivot failed:\n${lat!.stdout}${lat!.stderr}`);
    if (ctl!.code !== 0) throw new Error(`clusterctl move failed:\n${ctl!.stdout}${ctl!.stderr}`);
    return { lat: lat!, ctl: ctl! };
  } finally {
    await stopAll();
  }
}

function explain(lat: Run): void {
  const phases = [...lat.stdout.matchAll(/^phase (\w+)\s+(\d+\.\d\d) s$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
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
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 1) || 1;
  const fixture = provisionedCluster({ namespace: NS });
  const objects = fixture.objects.length - fixture.stays.length;
  console.log(`fixture: ${fixture.objects.length} objects, ${objects} move; ${runs} run(s); load ${loadavg()}`);
  const results: { lat: Run; ctl: Run }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(i);
    explain(r.lat);
    console.log(`clusterctl move ${seconds(r.ctl.ms)} s (load ${loadavg()})`);
    results.push(r);
  }
  const pivotS = median(results.map((r) => seconds(r.lat.ms)));
  const clusterctlS = median(results.map((r) => seconds(r.ctl.ms)));
  console.log(
    JSON.stringify({
      objects,
      pivot_s: pivotS,
      clusterctl_s: clusterctlS,
      ratio: Math.round((pivotS / clusterctlS) * 1000) / 1000,
    }),
  );
}

main().catch(async (e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  await stopAll();
  process.exit(1);
});
