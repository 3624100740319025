// The program `pulumi up` runs for each environment: Pulumi.<env>.yaml selects the cluster and the
// service YAML; all of it is deployed as one ServiceSet. Outputs: the agreement graph and, per
// service, its endpoints, policy documents and one-sided agreements. infra/package.json is there so
// that Pulumi does not take the library's entry point (../package.json main) for the program;
// dependencies resolve from the repository's node_modules.
import { fromYaml } from "../components";
import { graphSummary } from "../core/graph";
import { PROJECT_DIR, readEnvironment } from "./config";

const env = readEnvironment();
const lattice = fromYaml({ kubeconfig: env.kubeconfig, paths: env.services, baseDir: PROJECT_DIR });

/** The agreement graph of the environment's YAML (bilateral edges, one-sided declarations). */
export const agreements = graphSummary(lattice.graph);
/** Per service: addresses, the policy documents applied and one-sided agreements found in the cluster. */
export const services = Object.fromEntries(
  Object.entries(lattice.services).map(([ref, s]) => [
    ref,
    { endpoints: s.endpoints, policyDocuments: s.policyDocuments, oneSided: s.oneSided },
  ]),
);
export const externalServices = Object.fromEntries(
  Object.entries(lattice.externalServices).map(([ref, s]) => [
    ref,
    { endpoints: s.endpoints, policyDocuments: s.policyDocuments, oneSided: s.oneSided },
  ]),
);
