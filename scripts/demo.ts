// `make demo`: the main job on an embedded default. Starts a local control plane (real etcd,
// kube-apiserver with the Cilium and Istio CRDs, the controller manager's workload controllers and
// kube-scheduler, with two simulated nodes whose pods the pod simulator runs), points the dev stack
// at it (Pulumi.dev.yaml reads .lattice/dev/kubeconfig), runs `up` of infra/ through the engine
// with progress streamed (each service's rollout: "rollout webapp/api 2/3 ready"), prints a summary
// of what exists in the cluster, then destroys the stack and stops the control plane.
//   --keep   leave the control plane and stack running until Ctrl-C (to look around with the CLI)
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { startControlPlane } from "../test/harness/controlplane";
import { openStack } from "../test/harness/pulumi";
import { ROOT } from "../test/harness/tools";
import { summarizeCluster } from "./summary";

async function main(): Promise<void> {
  const keep = process.argv.includes("--keep");
  const devDir = path.join(ROOT, ".lattice", "dev");
  rmSync(path.join(devDir, "state"), { recursive: true, force: true }); // a new cluster: a new stack
  mkdirSync(path.join(devDir, "state"), { recursive: true });

  const t0 = Date.now();
  console.log("lattice demo: starting a local control plane (etcd, kube-apiserver, controller manager, scheduler)…");
  const cp = await startControlPlane({
    name: "dev",
    crds: ["cilium", "istio"],
    workloads: { nodes: 2, readyAfterMs: 1000 },
  });
  console.log(`lattice demo: control plane ready at ${cp.server} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(path.join(devDir, "kubeconfig"), cp.kubeconfig, { mode: 0o600 });

  let failed = false;
  const stack = await openStack({ workDir: ROOT, stackName: "dev", stateDir: path.join(devDir, "state") });
  try {
    console.log("lattice demo: pulumi up --stack dev (infra/)…");
    const up = await stack.stack.up({ onOutput: (s) => process.stdout.write(s) });
    console.log(`\nlattice demo: up ${up.summary.result}: ${JSON.stringify(up.summary.resourceChanges)}`);
    console.log(`lattice demo: pods on simulated nodes ${cp.pods!.nodes.join(", ")} (test/harness/pod-simulator.ts)`);
    console.log("\n" + (await summarizeCluster(cp.client, await stack.outputs())));
    if (keep) {
      console.log(`\nlattice demo: kept running. KUBECONFIG=${path.join(devDir, "kubeconfig")}; Ctrl-C to stop.`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
  } catch (e) {
    failed = true;
    console.error(`lattice demo: ${(e as Error).message}`);
  } finally {
    console.log("lattice demo: destroying the dev stack and stopping the control plane…");
    await stack.stack
      .destroy({ onOutput: (s) => process.stdout.write(s) })
      .catch((e: Error) => console.error(`lattice demo: destroy failed: ${e.message}`));
    await cp.stop();
    rmSync(path.join(devDir, "kubeconfig"), { force: true });
  }
  console.log(`lattice demo: ${failed ? "FAILED" : "done"} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
}

void main();
