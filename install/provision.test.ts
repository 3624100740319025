// What a failed engine run says to the user: the provider's message, not the engine's output.
import { engineFailure } from "./provision";

test("the provider's own message is picked out of the engine's output", () => {
  const out = [
    "code: -2",
    " stderr: Updating (install):",
    "    error: update failed",
    "  pulumi-nodejs:dynamic/lattice:Cluster (dev-capi):",
    "    error: 1 error occurred:",
    "    \t* LatticeCluster default/dev: not ready after 3 s; waiting for: machines ready 0/3",
  ].join("\n");
  expect(engineFailure(out)).toBe("LatticeCluster default/dev: not ready after 3 s; waiting for: machines ready 0/3");
});

test("without a provider message, the last engine error that is not the summary", () => {
  expect(engineFailure("x\nerror: could not read plugin\nerror: update failed\n")).toBe("could not read plugin");
});
