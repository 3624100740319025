// Entry point of the TEST-BED simulated infrastructure provider process (./sim-provider.ts):
//   node -r ts-node/register test/harness/sim-provider-main.ts --state-dir DIR --kubeconfig FILE
// `lattice install --simulate-machines` runs it next to the bootstrap's CAPI manager, and the new
// cluster runs its own copy (a Deployment its simulated kubelet plays). Logs one line per change.
import { parseArgs } from "node:util";
import { KubeClient } from "../../kube/client";
import { startSimProvider } from "./sim-provider";

const { values } = parseArgs({
  options: { kubeconfig: { type: "string" }, "state-dir": { type: "string" } },
  strict: false,
});
if (typeof values.kubeconfig !== "string" || typeof values["state-dir"] !== "string") {
  process.stderr.write("usage: sim-provider-main --state-dir DIR --kubeconfig FILE\n");
  process.exit(2);
}
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const provider = startSimProvider({
  management: KubeClient.fromKubeconfig(values.kubeconfig),
  stateDir: values["state-dir"],
  log,
});
log(`simulated infrastructure provider: machines are simulated (state ${values["state-dir"]})`);
for (const sig of ["SIGTERM", "SIGINT"] as const)
  process.once(sig, () => {
    void provider.stop().then(() => process.exit(0));
  });
