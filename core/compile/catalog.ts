// A representative catalog of everything the compiler can emit: every kind, and every shape of
// rule (same- and cross-namespace peers, UDP ports, FQDN/wildcard/CIDR egress, cluster-wide egress,
// private/owned/consumed volumes, every probe type). The integration test server-side-dry-runs it
// against a real kube-apiserver with the real Cilium, Istio and core schemas; a unit test checks it
// covers EMITTED_KINDS and stays in step with what the compiler can produce.
import type { KubeObject } from "../k8s/object";
import { formatSpecError, loadDocuments } from "../spec";
import { compileAll } from "./compile-all";

/** Every apiVersion/kind the compiler emits. */
export const EMITTED_KINDS: readonly string[] = [
  "v1/Namespace",
  "v1/ServiceAccount",
  "v1/Service",
  "v1/PersistentVolumeClaim",
  "apps/v1/Deployment",
  "cilium.io/v2/CiliumNetworkPolicy",
  "cilium.io/v2/CiliumClusterwideNetworkPolicy",
  "security.istio.io/v1/AuthorizationPolicy",
  "security.istio.io/v1/PeerAuthentication",
  "networking.istio.io/v1/ServiceEntry",
];

const CATALOG_YAML = `
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: api, namespace: catalog-a}
spec:
  replicas: 2
  containers:
    main:
      image: registry.example.com/catalog/api:1.0.0
      command: [/app/api]
      args: [--listen, ":8080"]
      variables: {LOG_LEVEL: info, WORKERS: 4, DEBUG: false}
      resources:
        requests: {cpu: 250m, memory: 256Mi}
        limits: {cpu: 1, memory: 1Gi}
      volumes:
        /data: {source: scratch}
        /shared: {source: "\${resources.shared-files}", path: uploads}
      livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10}
      readinessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 2}
      startupProbe: {grpc: {port: 9090}, failureThreshold: 30}
    sidecar:
      image: registry.example.com/catalog/metrics:2.1.0
      readinessProbe: {exec: {command: [/bin/check]}}
  service:
    ports:
      http: {port: 80, targetPort: 8080}
      grpc: {port: 9090, protocol: TCP}
      stats: {port: 8125, protocol: UDP}
  resources:
    web: {type: service, direction: inbound}
    remote: {type: service, direction: inbound, namespace: catalog-b}
    database: {type: service, direction: outbound, id: db}
    stripe: {type: external-service, direction: outbound}
    smtp: {type: external-service, direction: outbound, namespace: catalog-b}
    scratch: {type: volume, params: {size: 5Gi, storageClass: fast}}
    shared-files: {type: volume, id: shared-files, params: {size: 100Gi, accessMode: ReadWriteOnce}}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: web, namespace: catalog-a}
spec:
  containers:
    main: {image: registry.example.com/catalog/web:1.0.0}
  resources:
    api: {type: service, direction: outbound}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: db, namespace: catalog-a}
spec:
  containers:
    main:
      image: registry.example.com/catalog/db:16
      volumes:
        /var/lib/shared: {source: shared-files, readOnly: true}
  service:
    ports:
      postgres: {port: 5432}
  resources:
    api: {type: service, direction: inbound}
    shared-files: {type: volume, id: shared-files}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeExternalService
metadata: {name: stripe, namespace: catalog-a}
spec:
  endpoints:
    api: "https://api.stripe.com:443"
    files: "https://*.stripe.com"
  allowed_requesters: [api]
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeService
metadata: {name: remote, namespace: catalog-b}
spec:
  containers:
    main: {image: registry.example.com/catalog/remote:1.0.0}
  resources:
    api: {type: service, direction: outbound, namespace: catalog-a}
---
apiVersion: lattice.dev/v1alpha1
kind: LatticeExternalService
metadata: {name: smtp, namespace: catalog-b}
spec:
  endpoints:
    relay: "tcp://smtp.example.com:587"
    office: "tcp://192.0.2.0/24:25"
    backup: "198.51.100.7:2525"
    v6: "tcp://[2001:db8::/48]:587"
  allowedRequesters: [catalog-a/api]
`;

/** Compile the catalog (with the given trust domain) into every object kind and shape. */
export function compileCatalog(trustDomain = "catalog.lattice.test"): KubeObject[] {
  const loaded = loadDocuments([{ file: "core/compile/catalog.ts", text: CATALOG_YAML }]);
  if (loaded.errors.length > 0)
    throw new Error(`catalog does not validate: ${loaded.errors.map(formatSpecError).join("; ")}`);
  const r = compileAll(loaded.docs, { trustDomain, defaultNamespace: "default" });
  if (!r.ok) throw new Error(`catalog does not compile: ${r.errors.map(formatSpecError).join("; ")}`);
  return r.objects;
}
