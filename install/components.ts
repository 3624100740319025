// The Cluster API components `lattice install` puts into a management cluster, rendered from pinned
// upstream sources (install/bootstrap/crds.ts: the CRDs and webhook manifests of cluster-api
// v1.14.2 from the Go module cache) and labelled as `clusterctl init` labels them
// (`clusterctl.cluster.x-k8s.io: ""`, `cluster.x-k8s.io/provider: <name>`), with one clusterctl
// `Provider` inventory object per provider, so `clusterctl move` stays usable as a break-glass tool
// (PIVOT-AND-INSTALL.md §5.3).
//
// Network shape: the managers run with hostNetwork and their webhooks are called at
// https://127.0.0.1:<port> (the CRDs' conversion and the webhook configurations carry that URL and
// the bundle of a CA made for them): the shape of a single-node management cluster, and the only
// one the test bed's simulated machines (loopback) can serve. A multi-node cluster would point them
// at a Service instead; that variant is not written yet.
import { deployment, namespace } from "../core/k8s/builders";
import type { KubeObject } from "../core/k8s/object";
import { capiWebhookConfigurations, withConversion } from "./bootstrap/capi";
import { loadCrds, type CrdSet } from "./bootstrap/crds";
import type { PemPair } from "./bootstrap/pki";

/** The pinned Cluster API version and the core manager's image. */
export const CAPI_VERSION = "v1.14.2";
export const CAPI_IMAGE = `registry.k8s.io/cluster-api/cluster-api-controller:${CAPI_VERSION}`;
export const CAPI_NAMESPACE = "capi-system";
const CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";

/** clusterctl's labels on everything of one provider. */
export const clusterctlLabels = (provider: string) => ({
  "clusterctl.cluster.x-k8s.io": "",
  "cluster.x-k8s.io/provider": provider,
});

/** A clusterctl provider: what an inventory object says. */
export interface ProviderInfo {
  /** clusterctl's ManifestLabel: cluster-api, bootstrap-kubeadm, infrastructure-docker, … */
  name: string;
  type: "CoreProvider" | "BootstrapProvider" | "ControlPlaneProvider" | "InfrastructureProvider";
  version: string;
  namespace: string;
}

/**
 * The providers that drive machines (infrastructure, and here also bootstrap and control plane):
 * their CRDs, an out-of-cluster process for a bootstrap, and a Deployment for the new cluster.
 * The test bed's simulated one (--simulate-machines) is the only implementation on this machine.
 */
export interface MachineProviders {
  /** Printed at the start of every run that uses it. */
  readonly notice: string;
  readonly crdSets: readonly CrdSet[];
  readonly providers: readonly ProviderInfo[];
  /** The bootstrap's copy, as a local process against the bootstrap's kubeconfig. */
  bootstrapProcess(kubeconfigPath: string): { bin: string; args: string[] };
  /** The new cluster's own copy (namespace and Deployment). */
  manifests(): KubeObject[];
}

/** The CRD sets a management cluster needs: core, clusterctl's inventory, the machine providers'. */
export function crdSetsFor(machines: MachineProviders): CrdSet[] {
  return ["capi-core", "clusterctl", ...machines.crdSets];
}

/** A clusterctl Provider inventory object. */
export function inventory(p: ProviderInfo): KubeObject {
  return {
    apiVersion: "clusterctl.cluster.x-k8s.io/v1alpha3",
    kind: "Provider",
    metadata: { name: p.name, namespace: p.namespace, labels: clusterctlLabels(p.name) },
    providerName: p.name.replace(/^(bootstrap|control-plane|infrastructure)-/, ""),
    type: p.type,
    version: p.version,
  } as KubeObject;
}

export const CORE_PROVIDER: ProviderInfo = {
  name: "cluster-api",
  type: "CoreProvider",
  version: CAPI_VERSION,
  namespace: CAPI_NAMESPACE,
};

/** Loopback ports of the core manager in the target (chosen once, recorded in the journal). */
export interface CorePorts {
  webhook: number;
  health: number;
  diagnostics: number;
}

/** Everything the core provider needs in a management cluster, in apply order (CRDs first). */
export function renderCoreProvider(
  machines: MachineProviders,
  ports: CorePorts,
  webhook: { ca: string; serving: PemPair },
): { crds: KubeObject[]; objects: KubeObject[]; webhooks: KubeObject[] } {
  const caBundle = Buffer.from(webhook.ca).toString("base64");
  const url = (p: string) => `https://127.0.0.1:${ports.webhook}${p}`;
  const labels = clusterctlLabels(CORE_PROVIDER.name);
  const crds = loadCrds(crdSetsFor(machines), { clusterctlLabels: true }).map((crd) =>
    crd.metadata.labels?.["cluster.x-k8s.io/provider"] === "cluster-api"
      ? withConversion(crd, url("/convert"), caBundle)
      : crd,
  );
  const certSecret: KubeObject = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "capi-webhook-service-cert", namespace: CAPI_NAMESPACE, labels },
    data: {
      "tls.crt": Buffer.from(webhook.serving.cert).toString("base64"),
      "tls.key": Buffer.from(webhook.serving.key).toString("base64"),
      "ca.crt": Buffer.from(webhook.ca).toString("base64"),
    },
  } as KubeObject;
  const manager = deployment(
    { name: "capi-controller-manager", namespace: CAPI_NAMESPACE, labels },
    {
      replicas: 1,
      selector: { "cluster.x-k8s.io/provider": "cluster-api", "control-plane": "controller-manager" },
      podLabels: { ...labels, "control-plane": "controller-manager" },
      pod: {
        serviceAccountName: "default",
        hostNetwork: true,
        containers: [
          {
            name: "manager",
            image: CAPI_IMAGE,
            args: [
              "--leader-elect=false",
              `--webhook-port=${ports.webhook}`,
              `--webhook-cert-dir=${CERT_DIR}`,
              `--health-addr=127.0.0.1:${ports.health}`,
              `--diagnostics-address=127.0.0.1:${ports.diagnostics}`,
              "--insecure-diagnostics",
            ],
            env: [{ name: "POD_NAMESPACE", value: CAPI_NAMESPACE }],
            volumeMounts: [{ name: "cert", mountPath: CERT_DIR, readOnly: true }],
          },
        ],
        volumes: [{ name: "cert", secret: { secretName: "capi-webhook-service-cert" } }],
      },
    },
  );
  const all = [
    namespace({ name: CAPI_NAMESPACE, labels }),
    certSecret,
    manager,
    inventory(CORE_PROVIDER),
    ...machines.providers.map(inventory),
    ...machines.manifests(),
  ];
  return {
    crds,
    // Namespaces first: everything else lives in one.
    objects: [...all.filter((o) => o.kind === "Namespace"), ...all.filter((o) => o.kind !== "Namespace")],
    webhooks: capiWebhookConfigurations(url, caBundle).map((w) => ({
      ...w,
      metadata: { ...w.metadata, labels },
    })),
  };
}
