// Istio's verdict at the destination's ztunnel, from AuthorizationPolicy objects. Semantics modelled
// (Istio ambient, ztunnel-enforced, no waypoint):
//   - policies apply from the destination's namespace and from the root namespace; `selector`
//     (matchLabels) limits them to matching pods; policies with targetRef(s) bind to waypoints and
//     are not enforced by ztunnel (ignored).
//   - any matching DENY rule denies; else, if any ALLOW policy applies, some ALLOW rule must match;
//     else allow. `spec: {}` is an ALLOW policy without rules: it allows nothing.
//   - rules match on L4 attributes only: source principals/namespaces (with notX and "*" prefix or
//     suffix wildcards), destination ports/notPorts, and `when` on source.principal,
//     source.namespace, destination.port. An ALLOW rule with an L7 attribute matches nothing (ztunnel
//     drops it, failing closed); in a DENY rule the L7 part is ignored (the rule denies more).
// Not modelled (UnmodeledPolicyError): CUSTOM, ipBlocks, serviceAccounts, unknown `when` keys.
import type { KubeObject } from "../k8s/object";
import { UnmodeledPolicyError, type LayerVerdict, type PodIdentity } from "./model";
import { matchesK8sSelector } from "./selectors";

type Obj = Record<string, unknown>;

export interface AuthzPolicyRef {
  readonly policy: string;
  readonly namespace: string;
  readonly spec: Obj;
}

const SPEC_KEYS = new Set(["selector", "action", "rules", "provider", "targetRef", "targetRefs"]);
const SOURCE_L4 = new Set(["principals", "notPrincipals", "namespaces", "notNamespaces"]);
const SOURCE_L7 = new Set(["requestPrincipals", "notRequestPrincipals", "remoteIpBlocks", "notRemoteIpBlocks"]);
const OPERATION_L4 = new Set(["ports", "notPorts"]);
const OPERATION_L7 = new Set(["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"]);
const WHEN_L4 = new Set(["source.principal", "source.namespace", "destination.port"]);

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function strings(v: unknown, where: string, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw new UnmodeledPolicyError(where, field, "expected a list of strings");
  return v as string[];
}

function objs(v: unknown, where: string, field: string): Obj[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => !isObj(x)))
    throw new UnmodeledPolicyError(where, field, "expected a list of maps");
  return v as Obj[];
}

/** Every AuthorizationPolicy among `objects`. */
export function authzPoliciesOf(objects: readonly KubeObject[]): AuthzPolicyRef[] {
  const out: AuthzPolicyRef[] = [];
  for (const o of objects) {
    if (o.kind !== "AuthorizationPolicy" || !o.apiVersion.startsWith("security.istio.io/")) continue;
    const policy = `AuthorizationPolicy/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const spec = o.spec === undefined ? {} : o.spec;
    if (!isObj(spec)) throw new UnmodeledPolicyError(policy, "spec", "expected a map");
    for (const k of Object.keys(spec))
      if (!SPEC_KEYS.has(k)) throw new UnmodeledPolicyError(policy, `spec.${k}`, "unknown field");
    out.push({ policy, namespace: o.metadata.namespace ?? "", spec });
  }
  return out;
}

/** Istio's match of "*"-wildcards: exact, "prefix*", "*suffix" or "*". */
function wildcard(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith("*")) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

interface Request {
  readonly principal: string;
  readonly namespace: string;
  readonly port: number;
}

/** Whether one rule matches; `l7` says it had L7 attributes (which decide its fate by action). */
function ruleMatches(rule: Obj, req: Request, where: string): { match: boolean; l7: boolean } {
  let l7 = false;
  const positive = (values: string[], v: string) => values.length === 0 || values.some((p) => wildcard(p, v));
  const negative = (values: string[], v: string) => !values.some((p) => wildcard(p, v));

  const froms = objs(rule.from, where, "rules[].from");
  let fromOk = froms.length === 0;
  for (const f of froms) {
    const s = f.source;
    if (!isObj(s)) throw new UnmodeledPolicyError(where, "rules[].from[].source", "expected a map");
    for (const k of Object.keys(s)) {
      if (SOURCE_L7.has(k)) l7 = true;
      else if (!SOURCE_L4.has(k)) throw new UnmodeledPolicyError(where, `rules[].from[].source.${k}`, "not modelled");
    }
    if (
      positive(strings(s.principals, where, "principals"), req.principal) &&
      negative(strings(s.notPrincipals, where, "notPrincipals"), req.principal) &&
      positive(strings(s.namespaces, where, "namespaces"), req.namespace) &&
      negative(strings(s.notNamespaces, where, "notNamespaces"), req.namespace)
    )
      fromOk = true;
  }

  const tos = objs(rule.to, where, "rules[].to");
  let toOk = tos.length === 0;
  const port = String(req.port);
  for (const t of tos) {
    const op = t.operation;
    if (!isObj(op)) throw new UnmodeledPolicyError(where, "rules[].to[].operation", "expected a map");
    for (const k of Object.keys(op)) {
      if (OPERATION_L7.has(k)) l7 = true;
      else if (!OPERATION_L4.has(k))
        throw new UnmodeledPolicyError(where, `rules[].to[].operation.${k}`, "not modelled");
    }
    if (positive(strings(op.ports, where, "ports"), port) && negative(strings(op.notPorts, where, "notPorts"), port))
      toOk = true;
  }

  let whenOk = true;
  for (const c of objs(rule.when, where, "rules[].when")) {
    const key = String(c.key);
    if (!WHEN_L4.has(key)) {
      if (key.startsWith("request.") || key === "connection.sni" || key.startsWith("experimental.")) {
        l7 = true;
        continue;
      }
      throw new UnmodeledPolicyError(where, `rules[].when[${key}]`, "condition key not modelled");
    }
    const v = key === "source.principal" ? req.principal : key === "source.namespace" ? req.namespace : port;
    if (
      !positive(strings(c.values, where, "when.values"), v) ||
      !negative(strings(c.notValues, where, "when.notValues"), v)
    )
      whenOk = false;
  }
  return { match: fromOk && toOk && whenOk, l7 };
}

/** Whether ztunnel admits a connection from `source` (its principal) to `dest` on `port`. */
export function istioVerdict(
  policies: readonly AuthzPolicyRef[],
  source: PodIdentity,
  dest: PodIdentity,
  port: number,
  opts: { readonly trustDomain: string; readonly rootNamespace: string },
): LayerVerdict {
  const layer = "istio-authz" as const;
  const req: Request = {
    principal: `${opts.trustDomain}/ns/${source.namespace}/sa/${source.serviceAccount}`,
    namespace: source.namespace,
    port,
  };
  const applicable = policies.filter((p) => {
    if (p.namespace !== dest.namespace && p.namespace !== opts.rootNamespace) return false;
    if (p.spec.targetRef !== undefined || p.spec.targetRefs !== undefined) return false; // waypoint-bound
    const sel = p.spec.selector;
    if (sel === undefined) return true;
    if (!isObj(sel)) throw new UnmodeledPolicyError(p.policy, "spec.selector", "expected a map");
    return matchesK8sSelector(sel as { matchLabels?: Record<string, string> }, dest.labels, p.policy);
  });
  const allowPolicies: AuthzPolicyRef[] = [];
  for (const p of applicable) {
    const action = p.spec.action ?? "ALLOW";
    if (action === "AUDIT") continue;
    if (action === "CUSTOM") throw new UnmodeledPolicyError(p.policy, "spec.action", "CUSTOM (external authorization)");
    if (action === "DENY") {
      for (const r of objs(p.spec.rules, p.policy, "rules"))
        if (ruleMatches(r, req, p.policy).match) return { layer, allowed: false, reason: `denied by ${p.policy}` };
    } else if (action === "ALLOW") allowPolicies.push(p);
    else throw new UnmodeledPolicyError(p.policy, "spec.action", `unknown action ${String(action)}`);
  }
  if (allowPolicies.length === 0)
    return { layer, allowed: true, reason: "no ALLOW policy applies to the destination (Istio allows)" };
  const matched: string[] = [];
  for (const p of allowPolicies)
    for (const r of objs(p.spec.rules, p.policy, "rules")) {
      const m = ruleMatches(r, req, p.policy);
      if (m.match && !m.l7) matched.push(p.policy);
    }
  if (matched.length > 0)
    return { layer, allowed: true, reason: `allowed by ${[...new Set(matched)].join(", ")} for ${req.principal}` };
  return {
    layer,
    allowed: false,
    reason: `no ALLOW rule matches ${req.principal} on port ${port} (ALLOW policies apply: ${allowPolicies.map((p) => p.policy).join(", ")})`,
  };
}
