// A team's own program, written as README §2 shows: one service in code, the rest from YAML, one
// shared Kubernetes provider. test/integration/package copies this directory OUTSIDE the
// repository, installs the packed (or git-installed) package into it and deploys it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fromYaml, LatticeService, type ServiceSet } from "@lattice/lattice";

const config = new pulumi.Config();
const kubeconfig = config.requireSecret("kubeconfig");
const provider = new k8s.Provider("cluster", { kubeconfig });
const mesh = { kubeconfig, provider, trustDomain: "shop.example", awaitWorkloads: false };

const api = new LatticeService("api", {
  ...mesh,
  namespace: "shop",
  spec: {
    containers: { main: { image: "ghcr.io/acme/api:1.4.2" } },
    service: { ports: { http: { port: 8080 } } },
    resources: { web: { type: "service", direction: "inbound" } },
  },
});

// services/: "web" (calls api) and "postgres" (called by api, which does not declare it: one-sided).
const yaml = fromYaml({ ...mesh, paths: ["services"] });

export const apiOneSided = api.oneSided;
export const services = Object.keys(yaml.services);
// The set's class is exported too, for a program that passes it on (another resource's dependsOn).
const set: ServiceSet | undefined = yaml.set;
export const deployedAsOneSet = set !== undefined;
