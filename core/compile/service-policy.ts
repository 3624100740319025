// A service's half of each of its agreements, as Cilium and Istio policy.
//
// Why each service compiling only its own half is enough (bilateral enforcement):
//   Every Lattice namespace runs under default deny in both directions (see baseline.ts), at L4
//   (Cilium) and in the mesh (Istio "allow nothing"). A connection A→B therefore needs
//     1. an egress allow on A's pods towards B's pods  — written here, from A's `outbound` declaration;
//     2. an ingress allow on B's pods from A's pods     — written here, from B's `inbound` declaration;
//     3. an Istio ALLOW for A's principal on B's pods    — written here, from B's `inbound` declaration.
//   (1) is compiled only from A's document and (2)+(3) only from B's, and each names the other side
//   by identity derived from name+namespace alone (pod labels, service account principal). So traffic
//   flows exactly when both declarations exist; deleting either one removes a required allow and the
//   default deny takes over. Because neither half reads the other's spec, this holds when A and B
//   live in different namespaces or different Pulumi stacks, and one side never has to be re-run
//   when the other changes: the halves meet in the data plane, not in the compiler.
//
// Istio ambient + Cilium sharp edges encoded here:
//   - In-mesh traffic reaches B's pod on the HBONE port 15008 (ztunnel tunnels it), not on the
//     service port. B's ingress rule therefore admits B's target ports AND 15008, from exactly the
//     pods of the callers B declares: 15008 is opened only between declared pairs, which keeps L4
//     bilateral per pair. A's egress rule names B's pods on any port: A does not know B's ports
//     (they are B's spec), and B's ingress rule and AuthorizationPolicy narrow the ports.
//   - ztunnel enforces AuthorizationPolicy at L4 only; an ALLOW rule with an L7 attribute (methods,
//     paths…) silently matches nothing. The rule below uses principals and ports only (the builder's
//     types admit nothing else).
import {
  authorizationPolicy,
  ciliumNetworkPolicy,
  type CiliumEgressRule,
  type CiliumIngressRule,
  type CiliumPortRule,
  type CiliumRule,
  type ServicePortSpec,
} from "../k8s/builders";
import type { KubeObject } from "../k8s/object";
import type { PortRules, PortSet, ServiceContext } from "./context";

const SERVICE_POLICY_DESCRIPTION = "Lattice: this service's own half of its agreements";

/** The HBONE port on which ztunnel delivers in-mesh traffic to a destination pod. */
export const HBONE_PORT = 15008;

/** The port rules of a service's ports: computed once per distinct port set in a compile. */
function portRulesOf(set: PortSet): PortRules {
  if (set.policyRules === undefined) {
    const targets = [...new Set(set.service.map((p) => p.targetPort))].sort((a, b) => a - b).map(String);
    set.policyRules = { toPorts: ingressPorts(set.service), to: [{ operation: { ports: targets } }] };
  }
  return set.policyRules;
}

/** B's admitted ports for in-mesh callers: its target ports plus HBONE (sorted, unique). */
function ingressPorts(servicePorts: readonly ServicePortSpec[]): CiliumPortRule[] {
  const seen = new Set<string>();
  const ports: Array<{ port: number; protocol: "TCP" | "UDP" | "SCTP" }> = [];
  for (const p of [
    ...servicePorts.map((p) => ({ port: p.targetPort, protocol: p.protocol })),
    { port: HBONE_PORT, protocol: "TCP" as const },
  ]) {
    const k = `${p.port}/${p.protocol}`;
    if (seen.has(k)) continue;
    seen.add(k);
    ports.push(p);
  }
  ports.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }];
}

/** Compile a service's policies: one CiliumNetworkPolicy (its egress and ingress halves) and one
 * AuthorizationPolicy (its callers' principals). Nothing when it declares no service peers. */
export function compileServicePolicies(ctx: ServiceContext): KubeObject[] {
  const { shared } = ctx;
  const { callees, callers } = ctx.declared;
  const out: KubeObject[] = [];
  if (callees.length === 0 && callers.length === 0) return out;

  // One rule per direction naming every declared peer (Cilium ORs the selectors of a rule, so this
  // is the same as one rule per peer, and smaller).
  const subject = { matchLabels: ctx.selector };
  const portRules = callers.length > 0 ? portRulesOf(ctx.portSet) : undefined;
  const ingress: CiliumIngressRule[] | undefined = portRules
    ? [{ fromEndpoints: shared.selectors(callers), toPorts: portRules.toPorts }]
    : undefined;
  const egress: CiliumEgressRule[] | undefined =
    callees.length > 0 ? [{ toEndpoints: shared.selectors(callees) }] : undefined;
  // Each shape written out whole (no fields added later): one object, no reshaping.
  const description = SERVICE_POLICY_DESCRIPTION;
  const spec: CiliumRule =
    ingress && egress
      ? { description, endpointSelector: subject, ingress, egress }
      : ingress
        ? { description, endpointSelector: subject, ingress }
        : { description, endpointSelector: subject, egress };
  out.push(ciliumNetworkPolicy(ctx.meta, spec));

  if (portRules) {
    const principals: string[] = [];
    for (let i = 0; i < callers.length; i++)
      principals.push(shared.peer(callers[i] as (typeof callers)[number]).principal);
    out.push(
      authorizationPolicy(ctx.meta, {
        selector: subject,
        action: "ALLOW",
        rules: [
          {
            from: [{ source: { principals } }],
            to: portRules.to,
          },
        ],
      }),
    );
  }
  return out;
}
