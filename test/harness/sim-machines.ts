// TEST-BED: the simulated machine providers as `lattice install --simulate-machines` uses them
// (install/components.ts MachineProviders). One process (./sim-provider-main.ts) plays the
// infrastructure, bootstrap and control-plane providers (CAPD/CABPK/KCP's statuses, see
// ./machine-simulator.ts); the bootstrap runs it as a local process, the new cluster as a
// Deployment its simulated kubelet runs. The product loads this module only under that flag.
import * as path from "node:path";
import type { KubeObject } from "../../core/k8s/object";
import { clusterctlLabels, type MachineProviders } from "../../install/components";
import { IMAGES } from "./sim-provider";

const NAMESPACE = "lattice-simulated-machines";
const IMAGE = "lattice.dev/testbed/simulated-infrastructure-provider";
const VERSION = "v1.14.4"; // the CRDs it serves: CAPD's, from sigs.k8s.io/cluster-api/test

/** The simulated providers; their clusters' data goes under `stateDir`. */
export function simulatedMachines(stateDir: string): MachineProviders {
  const dir = path.resolve(stateDir, "simulated-machines");
  return {
    notice: `machines are simulated (test bed: ${path.relative(process.cwd(), __filename) || __filename}); data in ${dir}`,
    crdSets: ["capi-kubeadm", "capd"],
    providers: [
      { name: "infrastructure-docker", type: "InfrastructureProvider", version: VERSION, namespace: NAMESPACE },
      { name: "bootstrap-kubeadm", type: "BootstrapProvider", version: "v1.14.2", namespace: NAMESPACE },
      { name: "control-plane-kubeadm", type: "ControlPlaneProvider", version: "v1.14.2", namespace: NAMESPACE },
    ],
    bootstrapProcess(kubeconfigPath) {
      const [bin, ...pre] = IMAGES[IMAGE]!();
      return { bin: bin!, args: [...pre, "--state-dir", dir, "--kubeconfig", kubeconfigPath] };
    },
    manifests(): KubeObject[] {
      const labels = clusterctlLabels("infrastructure-docker");
      return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE, labels } },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "simulated-machines-manager", namespace: NAMESPACE, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: "simulated-machines-manager" } },
            template: {
              metadata: { labels: { ...labels, app: "simulated-machines-manager" } },
              spec: {
                hostNetwork: true,
                containers: [{ name: "manager", image: `${IMAGE}:${VERSION}`, args: ["--state-dir", dir] }],
              },
            },
          },
        } as KubeObject,
      ];
    },
  };
}
