// The baseline of a Lattice-managed namespace: what makes every agreement necessary.
//   - Namespace label istio.io/dataplane-mode=ambient: pods join the ambient mesh (ztunnel).
//   - CiliumNetworkPolicy "lattice.baseline" selecting every pod: default deny for ingress AND egress,
//     plus the two allowances every pod needs:
//       * egress to cluster DNS on port 53 with an L7 DNS rule: Cilium's toFQDNs only learns the
//         addresses of names it has seen resolved through its DNS proxy, which this rule enables;
//       * ingress from 169.254.7.127/32: in ambient mode istio-cni SNATs kubelet probes to that
//         link-local address, so without it every probe fails once ingress is default deny.
//     Nothing here (or anywhere in Lattice) opens 0.0.0.0/0.
//   - AuthorizationPolicy "lattice.allow-nothing" (`spec: {}`): the mesh's default deny; only the
//     services' own ALLOW policies admit callers.
//   - PeerAuthentication "lattice.strict-mtls": in-mesh traffic must be mTLS (no plaintext bypass).
// Names contain a dot, which no service name can, so they never collide with a service's objects.
import {
  authorizationPolicy,
  ciliumNetworkPolicy,
  namespace as namespaceObject,
  peerAuthentication,
} from "../k8s/builders";
import type { KubeObject } from "../k8s/object";
import { CILIUM_NAMESPACE_LABEL, LABELS, baselineLabels } from "./identity";
import type { ResolvedOptions } from "./options";

/** Where istio-cni makes kubelet probes come from in ambient mode. */
export const KUBELET_PROBE_SOURCE = "169.254.7.127/32";

export const BASELINE_NAMES = {
  ciliumPolicy: "lattice.baseline",
  meshDefaultDeny: "lattice.allow-nothing",
  peerAuthentication: "lattice.strict-mtls",
} as const;

/** Compile the baseline objects of one namespace. */
export function compileNamespaceBaseline(ns: string, opts: Pick<ResolvedOptions, "dns">): KubeObject[] {
  const labels = baselineLabels(ns);
  const meta = (name: string) => ({ name, namespace: ns, labels });
  const dnsSelector: Record<string, string> = { [CILIUM_NAMESPACE_LABEL]: opts.dns.namespace };
  for (const k of Object.keys(opts.dns.labels).sort()) dnsSelector[`k8s:${k}`] = opts.dns.labels[k] as string;
  return [
    namespaceObject({ name: ns, labels: { ...labels, [LABELS.dataplaneMode]: "ambient" } }),
    ciliumNetworkPolicy(meta(BASELINE_NAMES.ciliumPolicy), {
      description: `Lattice baseline of namespace ${ns}: default deny in both directions; DNS to cluster DNS (with the DNS rule toFQDNs needs); kubelet probes (SNATed to 169.254.7.127 by istio-cni)`,
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{ fromCIDR: [KUBELET_PROBE_SOURCE] }],
      egress: [
        {
          toEndpoints: [{ matchLabels: dnsSelector }],
          toPorts: [{ ports: [{ port: "53", protocol: "ANY" }], rules: { dns: [{ matchPattern: "*" }] } }],
        },
      ],
    }),
    authorizationPolicy(meta(BASELINE_NAMES.meshDefaultDeny), {}),
    peerAuthentication(meta(BASELINE_NAMES.peerAuthentication), "STRICT"),
  ];
}
