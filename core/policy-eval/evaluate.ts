// "May a pod of A reach B on port P?", answered from emitted policy objects alone.
//
// In Istio ambient mode a TCP connection between two mesh pods is carried by ztunnel over HBONE: the
// packets Cilium sees go from A's pod to B's pod on port 15008, and B's ztunnel then checks the
// AuthorizationPolicies for the original port P. So with mesh "ambient" (the default; Lattice
// namespaces are ambient) the evaluator asks Cilium about 15008 and Istio about P. UDP is not
// captured by ztunnel, and with mesh "none" there is no ztunnel: then Cilium decides alone, on P.
// The verdict is allowed only when every layer on the path allows.
import type { KubeObject } from "../k8s/object";
import { parseIp } from "../spec/net";
import { ciliumRulesOf, ciliumVerdict, type CiliumRuleRef } from "./cilium";
import { authzPoliciesOf, istioVerdict, type AuthzPolicyRef } from "./istio";
import type { LayerVerdict, PodIdentity, Protocol, Verdict } from "./model";

/** The HBONE port ztunnel delivers in-mesh traffic to. */
export const HBONE_PORT = 15008;

/** The policies of a set of objects, indexed once for many questions. */
export interface PolicySet {
  readonly cilium: readonly CiliumRuleRef[];
  readonly authz: readonly AuthzPolicyRef[];
}

/** Index the Cilium and Istio policies among `objects` (other kinds are ignored). Throws
 * UnmodeledPolicyError when a policy uses something the evaluator does not model. */
export function policySetOf(objects: readonly KubeObject[]): PolicySet {
  return { cilium: ciliumRulesOf(objects), authz: authzPoliciesOf(objects) };
}

export interface ConnectOptions {
  readonly trustDomain: string;
  readonly protocol?: Protocol;
  readonly mesh?: "ambient" | "none";
  /** Istio's root namespace (mesh-wide policies); "istio-system" unless configured otherwise. */
  readonly istioRootNamespace?: string;
}

function verdict(layers: LayerVerdict[]): Verdict {
  return { allowed: layers.every((l) => l.allowed), layers };
}

/** May a pod `from` open a connection to pod `to` on `port`? */
export function mayConnect(
  set: PolicySet,
  from: PodIdentity,
  to: PodIdentity,
  port: number,
  opts: ConnectOptions,
): Verdict {
  const protocol = opts.protocol ?? "TCP";
  const ambient = (opts.mesh ?? "ambient") === "ambient" && protocol === "TCP";
  const wirePort = ambient ? HBONE_PORT : port;
  const layers = [
    ciliumVerdict(set.cilium, "egress", from, { kind: "pod", pod: to }, wirePort, protocol),
    ciliumVerdict(set.cilium, "ingress", to, { kind: "pod", pod: from }, wirePort, protocol),
  ];
  if (ambient)
    layers.push(
      istioVerdict(set.authz, from, to, port, {
        trustDomain: opts.trustDomain,
        rootNamespace: opts.istioRootNamespace ?? "istio-system",
      }),
    );
  return verdict(layers);
}

/** May a pod `from` reach an address or name outside the cluster? (Cilium egress only; for a name,
 * as toFQDNs sees it once the name was resolved through Cilium's DNS proxy.) */
export function mayReachExternal(
  set: PolicySet,
  from: PodIdentity,
  dest: { readonly host?: string; readonly ip?: string; readonly port: number; readonly protocol?: Protocol },
): Verdict {
  const ip = dest.ip !== undefined ? parseIp(dest.ip) : undefined;
  const peer = {
    kind: "external" as const,
    ...(ip ? { ip } : {}),
    ...(dest.host !== undefined ? { host: dest.host } : {}),
  };
  return verdict([ciliumVerdict(set.cilium, "egress", from, peer, dest.port, dest.protocol ?? "TCP")]);
}

/** The pods a set of objects would run: one identity per Deployment (from its pod template). */
export function podsOf(objects: readonly KubeObject[]): Map<string, PodIdentity> {
  const out = new Map<string, PodIdentity>();
  for (const o of objects) {
    if (o.kind !== "Deployment") continue;
    const spec = o.spec as
      | { template?: { metadata?: { labels?: Record<string, string> }; spec?: { serviceAccountName?: string } } }
      | undefined;
    out.set(`${o.metadata.namespace ?? ""}/${o.metadata.name}`, {
      namespace: o.metadata.namespace ?? "",
      labels: spec?.template?.metadata?.labels ?? {},
      serviceAccount: spec?.template?.spec?.serviceAccountName ?? "default",
    });
  }
  return out;
}
