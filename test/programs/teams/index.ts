// One team's stack, written against the published package: the "web" team owns a caller in
// namespace "front", the "api" team owns its callee in namespace "back". Config `declare` says
// whether this team declares its half of the web → api agreement.
import * as pulumi from "@pulumi/pulumi";
import { LatticeService, type LatticeServiceArgs } from "@lattice/lattice";

const config = new pulumi.Config();
const team = config.require("team");
const declare = config.requireBoolean("declare");
const common = { kubeconfig: config.requireSecret("kubeconfig"), trustDomain: "teams.test", awaitWorkloads: false };

const specs: Record<string, Omit<LatticeServiceArgs, "kubeconfig">> = {
  web: {
    namespace: "front",
    spec: {
      containers: { main: { image: "docker.io/library/nginx:1.27" } },
      service: { ports: { http: { port: 80 } } },
      resources: declare ? { api: { type: "service", direction: "outbound", namespace: "back" } } : {},
    },
  },
  api: {
    namespace: "back",
    spec: {
      containers: { main: { image: "ghcr.io/example/api:2.0.0" } },
      service: { ports: { http: { port: 8080 } } },
      resources: declare ? { web: { type: "service", direction: "inbound", namespace: "front" } } : {},
    },
  },
};

const spec = specs[team];
if (!spec) throw new pulumi.RunError(`config team: expected "web" or "api", got "${team}"`);
const service = new LatticeService(team, { ...common, ...spec });

export const oneSided = service.oneSided;
export const policyDocuments = service.policyDocuments;
