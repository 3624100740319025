// Cilium's verdict for one direction of one connection, from CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy objects. Semantics modelled (from Cilium v1.20's policy code):
//   - subject: a CNP's endpointSelector applies in its own namespace only; a CCNP's everywhere;
//     rules with nodeSelector (host policies) never select pods.
//   - default deny in a direction once any rule selecting the pod has a rule in that direction,
//     unless that policy sets enableDefaultDeny.<direction>: false.
//   - a rule's peers: fromEndpoints/toEndpoints selectors (in a CNP, a selector that does not name a
//     namespace is limited to the policy's namespace), fromEntities/toEntities ("all" and "cluster"
//     match pods, "world" and "all" match outside addresses), toCIDR/toCIDRSet/toFQDNs (outside
//     addresses only: CIDR rules never select cluster endpoints). No peer field = any peer. A peer
//     field given as an empty list selects nothing. A rule with neither peers nor ports allows nothing.
//   - toPorts: absent = all ports; each entry's `ports` (number or "0", endPort, protocol with
//     ANY/empty = TCP, UDP and SCTP). L7 `rules` are noted (the connection is allowed at L4; requests
//     are then filtered by the proxy).
//   - deny rules (ingressDeny/egressDeny) win over allows.
// Not modelled (refused with UnmodeledPolicyError): named ports, toServices, to/fromRequires,
// authentication, listener, and any field this file does not know.
import type { KubeObject } from "../k8s/object";
import { parseCidr, parseIp, prefixContains, type IpPrefix } from "../spec/net";
import { UnmodeledPolicyError, type LayerVerdict, type PodIdentity, type Protocol } from "./model";
import {
  ciliumLabelsOf,
  matchesCiliumSelector,
  namesNamespace,
  namesReserved,
  POD_NAMESPACE_KEY,
  type Selector,
} from "./selectors";

type Obj = Record<string, unknown>;

/** One rule (spec or an entry of specs) of one policy. */
export interface CiliumRuleRef {
  readonly policy: string;
  /** The policy's namespace; undefined for a cluster-wide policy. */
  readonly namespace: string | undefined;
  readonly rule: Obj;
}

/** A connection's other end: a pod, or an address/name outside the cluster. */
export type Peer =
  | { readonly kind: "pod"; readonly pod: PodIdentity }
  | { readonly kind: "external"; readonly ip?: IpPrefix; readonly host?: string };

const RULE_KEYS = new Set([
  "description",
  "endpointSelector",
  "nodeSelector",
  "ingress",
  "ingressDeny",
  "egress",
  "egressDeny",
  "enableDefaultDeny",
  "labels",
  "log",
]);
const INGRESS_KEYS = new Set([
  "fromEndpoints",
  "fromCIDR",
  "fromCIDRSet",
  "fromEntities",
  "fromNodes",
  "fromGroups",
  "toPorts",
  "icmps",
]);
const EGRESS_KEYS = new Set([
  "toEndpoints",
  "toCIDR",
  "toCIDRSet",
  "toEntities",
  "toFQDNs",
  "toNodes",
  "toGroups",
  "toPorts",
  "icmps",
]);
const PORT_RULE_KEYS = new Set(["ports", "rules", "serverNames", "originatingTLS", "terminatingTLS"]);

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function list(v: unknown, where: string, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new UnmodeledPolicyError(where, field, "expected a list");
  return v;
}

function checkKeys(o: Obj, allowed: Set<string>, where: string, prefix: string): void {
  for (const k of Object.keys(o))
    if (!allowed.has(k)) throw new UnmodeledPolicyError(where, `${prefix}${k}`, "unknown or unsupported field");
}

/** The rules of every Cilium policy among `objects` (other kinds are ignored). */
export function ciliumRulesOf(objects: readonly KubeObject[]): CiliumRuleRef[] {
  const out: CiliumRuleRef[] = [];
  for (const o of objects) {
    if (o.apiVersion !== "cilium.io/v2") continue;
    const clusterwide = o.kind === "CiliumClusterwideNetworkPolicy";
    if (!clusterwide && o.kind !== "CiliumNetworkPolicy") continue;
    const policy = clusterwide
      ? `${o.kind}/${o.metadata.name}`
      : `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const rules = [...(o.spec !== undefined ? [o.spec] : []), ...list(o.specs, policy, "specs")];
    for (const [i, r] of rules.entries()) {
      if (!isObj(r)) throw new UnmodeledPolicyError(policy, `spec[${i}]`, "expected a map");
      checkKeys(r, RULE_KEYS, policy, "spec.");
      for (const dir of ["ingress", "ingressDeny"] as const)
        for (const [j, x] of list(r[dir], policy, dir).entries()) {
          if (!isObj(x)) throw new UnmodeledPolicyError(policy, `${dir}[${j}]`, "expected a map");
          checkKeys(x, INGRESS_KEYS, policy, `${dir}[${j}].`);
        }
      for (const dir of ["egress", "egressDeny"] as const)
        for (const [j, x] of list(r[dir], policy, dir).entries()) {
          if (!isObj(x)) throw new UnmodeledPolicyError(policy, `${dir}[${j}]`, "expected a map");
          checkKeys(x, EGRESS_KEYS, policy, `${dir}[${j}].`);
        }
      out.push({ policy, namespace: clusterwide ? undefined : o.metadata.namespace, rule: r });
    }
  }
  return out;
}

function selects(ref: CiliumRuleRef, pod: PodIdentity, labels: Record<string, string>): boolean {
  if (ref.rule.nodeSelector !== undefined) return false; // a host policy
  const sel = ref.rule.endpointSelector;
  if (!isObj(sel)) throw new UnmodeledPolicyError(ref.policy, "spec.endpointSelector", "expected a map");
  if (ref.namespace !== undefined && pod.namespace !== ref.namespace) return false;
  return matchesCiliumSelector(sel as Selector, labels, ref.policy);
}

function peerSelectorMatches(
  ref: CiliumRuleRef,
  sel: unknown,
  peer: PodIdentity,
  peerLabels: Record<string, string>,
): boolean {
  if (!isObj(sel)) throw new UnmodeledPolicyError(ref.policy, "endpoints selector", "expected a map");
  const s = sel as Selector;
  if (namesReserved(s)) return false;
  if (!namesNamespace(s)) {
    // CNP: limited to the policy's namespace. CCNP: to pods (any namespace).
    if (ref.namespace !== undefined && peerLabels[POD_NAMESPACE_KEY] !== ref.namespace) return false;
  }
  return matchesCiliumSelector(s, peerLabels, ref.policy);
}

const POD_ENTITIES = new Set(["all", "cluster"]);
const WORLD_ENTITIES = new Set(["all", "world", "world-ipv4", "world-ipv6"]);

function fqdnMatches(sel: unknown, host: string, where: string): boolean {
  if (!isObj(sel)) throw new UnmodeledPolicyError(where, "toFQDNs", "expected a map");
  const h = host.toLowerCase().replace(/\.$/, "");
  if (typeof sel.matchName === "string") return sel.matchName.toLowerCase().replace(/\.$/, "") === h;
  if (typeof sel.matchPattern === "string") {
    const p = sel.matchPattern.toLowerCase().replace(/\.$/, "");
    if (p === "*") return true;
    // "*" stands for any run of DNS characters within one label.
    const re = new RegExp(
      `^${p
        .split("*")
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[-a-z0-9_]*")}$`,
    );
    return re.test(h);
  }
  throw new UnmodeledPolicyError(where, "toFQDNs", "expected matchName or matchPattern");
}

function cidrMatches(c: unknown, ip: IpPrefix, where: string): boolean {
  if (typeof c === "string") {
    const p = parseCidr(c) ?? parseIp(c);
    if (!p) throw new UnmodeledPolicyError(where, "CIDR", `cannot parse ${c}`);
    return prefixContains(p, ip);
  }
  if (isObj(c) && typeof c.cidr === "string") {
    const p = parseCidr(c.cidr);
    if (!p) throw new UnmodeledPolicyError(where, "toCIDRSet.cidr", `cannot parse ${c.cidr}`);
    if (!prefixContains(p, ip)) return false;
    for (const ex of list(c.except, where, "toCIDRSet.except")) if (cidrMatches(ex, ip, where)) return false;
    return true;
  }
  throw new UnmodeledPolicyError(where, "toCIDRSet", "only cidr/except entries are modelled (not cidrGroupRef)");
}

/** Peers of a rule: undefined = any peer (no peer field); otherwise whether this peer is selected. */
function peerMatch(
  ref: CiliumRuleRef,
  r: Obj,
  ingress: boolean,
  peer: Peer,
  peerLabels: Record<string, string> | undefined,
): boolean | undefined {
  const f = ingress
    ? {
        endpoints: "fromEndpoints",
        entities: "fromEntities",
        cidr: "fromCIDR",
        cidrSet: "fromCIDRSet",
        nodes: "fromNodes",
        groups: "fromGroups",
      }
    : {
        endpoints: "toEndpoints",
        entities: "toEntities",
        cidr: "toCIDR",
        cidrSet: "toCIDRSet",
        nodes: "toNodes",
        groups: "toGroups",
      };
  const present = Object.values(f).filter((k) => r[k] !== undefined);
  const fqdns = ingress ? undefined : r.toFQDNs;
  if (present.length === 0 && fqdns === undefined) return undefined;
  // An explicitly empty selector list selects nothing (Cilium treats [] unlike an absent field).
  for (const k of present) if (Array.isArray(r[k]) && (r[k] as unknown[]).length === 0 && k !== f.groups) return false;

  if (peer.kind === "pod") {
    for (const s of list(r[f.endpoints], ref.policy, f.endpoints))
      if (peerSelectorMatches(ref, s, peer.pod, peerLabels as Record<string, string>)) return true;
    for (const e of list(r[f.entities], ref.policy, f.entities))
      if (typeof e === "string" && POD_ENTITIES.has(e)) return true;
    return false; // CIDR, FQDN, node and group peers never select cluster pods
  }
  for (const e of list(r[f.entities], ref.policy, f.entities))
    if (typeof e === "string" && WORLD_ENTITIES.has(e)) return true;
  if (peer.ip) {
    for (const c of list(r[f.cidr], ref.policy, f.cidr)) if (cidrMatches(c, peer.ip, ref.policy)) return true;
    for (const c of list(r[f.cidrSet], ref.policy, f.cidrSet)) if (cidrMatches(c, peer.ip, ref.policy)) return true;
  }
  if (peer.host !== undefined)
    for (const s of list(fqdns, ref.policy, "toFQDNs")) if (fqdnMatches(s, peer.host, ref.policy)) return true;
  return false;
}

/** Ports of a rule: undefined = all ports; else whether (port, protocol) is listed. Also reports L7. */
function portMatch(
  ref: CiliumRuleRef,
  r: Obj,
  port: number,
  protocol: Protocol,
): { match: boolean; l7: boolean } | undefined {
  const rules = list(r.toPorts, ref.policy, "toPorts");
  if (r.toPorts === undefined || rules.length === 0) return undefined;
  for (const pr of rules) {
    if (!isObj(pr)) throw new UnmodeledPolicyError(ref.policy, "toPorts", "expected a map");
    checkKeys(pr, PORT_RULE_KEYS, ref.policy, "toPorts[].");
    for (const pp of list(pr.ports, ref.policy, "toPorts[].ports")) {
      if (!isObj(pp)) throw new UnmodeledPolicyError(ref.policy, "toPorts[].ports", "expected a map");
      const proto = typeof pp.protocol === "string" && pp.protocol !== "" ? pp.protocol : "ANY";
      if (proto !== "ANY" && proto !== protocol) continue;
      const p = pp.port === undefined || pp.port === "" ? "0" : String(pp.port);
      if (!/^[0-9]+$/.test(p))
        throw new UnmodeledPolicyError(ref.policy, "toPorts[].ports[].port", `named port "${p}"`);
      const lo = Number(p);
      const hi = typeof pp.endPort === "number" && pp.endPort > lo ? pp.endPort : lo;
      if (lo === 0 || (port >= lo && port <= hi)) {
        const l7 =
          pr.rules !== undefined ||
          pr.serverNames !== undefined ||
          pr.terminatingTLS !== undefined ||
          pr.originatingTLS !== undefined;
        return { match: true, l7 };
      }
    }
  }
  return { match: false, l7: false };
}

function ruleMatches(
  ref: CiliumRuleRef,
  r: Obj,
  ingress: boolean,
  peer: Peer,
  peerLabels: Record<string, string> | undefined,
  port: number,
  protocol: Protocol,
) {
  const peers = peerMatch(ref, r, ingress, peer, peerLabels);
  const ports = portMatch(ref, r, port, protocol);
  if (peers === false || ports?.match === false) return { match: false, l7: false };
  if (peers === undefined && ports === undefined) return { match: false, l7: false }; // an empty rule
  return { match: true, l7: ports?.l7 ?? false };
}

/**
 * Cilium's verdict for `subject` sending (egress) to, or receiving (ingress) from, `peer` on
 * `port`/`protocol`, considering every rule in `rules`.
 */
export function ciliumVerdict(
  rules: readonly CiliumRuleRef[],
  direction: "ingress" | "egress",
  subject: PodIdentity,
  peer: Peer,
  port: number,
  protocol: Protocol,
): LayerVerdict {
  const layer = direction === "ingress" ? "cilium-ingress" : "cilium-egress";
  const subjectLabels = ciliumLabelsOf(subject);
  const peerLabels = peer.kind === "pod" ? ciliumLabelsOf(peer.pod) : undefined;
  const denyKey = direction === "ingress" ? "ingressDeny" : "egressDeny";
  let defaultDeny = false;
  const allows: string[] = [];
  let l7 = false;
  for (const ref of rules) {
    if (!selects(ref, subject, subjectLabels)) continue;
    const allow = list(ref.rule[direction], ref.policy, direction);
    const deny = list(ref.rule[denyKey], ref.policy, denyKey);
    const dd = ref.rule.enableDefaultDeny;
    const flag = isObj(dd) ? dd[direction] : undefined;
    if ((allow.length > 0 || deny.length > 0) && flag !== false) defaultDeny = true;
    for (const r of deny)
      if (ruleMatches(ref, r as Obj, direction === "ingress", peer, peerLabels, port, protocol).match)
        return { layer, allowed: false, reason: `denied by a ${denyKey} rule of ${ref.policy}` };
    for (const r of allow) {
      const m = ruleMatches(ref, r as Obj, direction === "ingress", peer, peerLabels, port, protocol);
      if (m.match) {
        allows.push(ref.policy);
        l7 ||= m.l7;
      }
    }
  }
  if (allows.length > 0)
    return {
      layer,
      allowed: true,
      reason: `allowed by ${[...new Set(allows)].join(", ")}${l7 ? " (L7 rules then filter requests)" : ""}`,
    };
  if (defaultDeny)
    return { layer, allowed: false, reason: `default deny: no ${direction} rule selecting this pod matches` };
  return { layer, allowed: true, reason: `no policy puts this pod in ${direction} default deny` };
}
