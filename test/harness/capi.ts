// The REAL Cluster API core manager against a test-bed control plane: the installer's own
// (install/bootstrap/capi.ts), its process tied to the test. Only machine-driving providers are
// simulated (see ./machine-simulator.ts).
import { startCapiManager, type CapiManager, type CapiOptions } from "../../install/bootstrap/capi";
import type { ControlPlane } from "./controlplane";
import { startProcess } from "./processes";
import { toolPath } from "./tools";

export type { CapiManager } from "../../install/bootstrap/capi";

/** Install the CAPI CRDs (conversion through the manager) and start the manager; ready on return. */
export function startCapi(cp: ControlPlane, opts: Omit<CapiOptions, "launcher" | "record"> = {}): Promise<CapiManager> {
  toolPath("cluster-api-manager"); // a loud MissingToolError in a test
  return startCapiManager(cp, { ...opts, launcher: startProcess });
}
