// Label selectors with Kubernetes semantics (Istio's matchLabels) and with Cilium's, where keys may
// carry a source prefix ("k8s:app", "any:app", "app") and a pod's identity also includes its
// namespace, service account and namespace labels as labels.
import { UnmodeledPolicyError, type PodIdentity } from "./model";

export interface Selector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] }>;
}

/** Kubernetes matchLabels/matchExpressions over plain labels. */
export function matchesK8sSelector(sel: Selector, labels: Readonly<Record<string, string>>, where: string): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) if (!requirement(e, labels[e.key], where)) return false;
  return true;
}

function requirement(
  e: { key: string; operator: string; values?: readonly string[] },
  value: string | undefined,
  where: string,
): boolean {
  switch (e.operator) {
    case "In":
      return value !== undefined && (e.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(e.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      throw new UnmodeledPolicyError(where, `matchExpressions[${e.key}].operator`, `unknown operator ${e.operator}`);
  }
}

export const POD_NAMESPACE_KEY = "io.kubernetes.pod.namespace";
export const SERVICE_ACCOUNT_KEY = "io.cilium.k8s.policy.serviceaccount";
export const NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";

/** A pod's Cilium identity labels, all of source "k8s", keyed without the source. */
export function ciliumLabelsOf(pod: PodIdentity): Record<string, string> {
  const out: Record<string, string> = { ...pod.labels };
  out[POD_NAMESPACE_KEY] = pod.namespace;
  out[SERVICE_ACCOUNT_KEY] = pod.serviceAccount;
  for (const [k, v] of Object.entries(pod.namespaceLabels ?? {})) out[NAMESPACE_LABELS_PREFIX + k] = v;
  return out;
}

/** Split "k8s:app" into source and key; no prefix means any source. */
export function splitSource(key: string): { source: string; key: string } {
  const i = key.indexOf(":");
  if (i < 0) return { source: "any", key };
  return { source: key.slice(0, i), key: key.slice(i + 1) };
}

/** Does a Cilium selector key refer to this key name (from a source pods' labels can have)? */
function podKey(rawKey: string): string | undefined {
  const { source, key } = splitSource(rawKey);
  return source === "k8s" || source === "any" ? key : undefined;
}

/** Whether a selector names the pod namespace (so Cilium does not default it to the policy's). */
export function namesNamespace(sel: Selector): boolean {
  const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
  return keys.some((k) => {
    const pk = podKey(k);
    return pk === POD_NAMESPACE_KEY || (pk !== undefined && pk.startsWith(NAMESPACE_LABELS_PREFIX));
  });
}

/** Whether a selector uses reserved identities ("reserved:host"…), which never match pods. */
export function namesReserved(sel: Selector): boolean {
  const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
  return keys.some((k) => splitSource(k).source === "reserved");
}

/** Cilium selector over a pod's identity labels. Keys of other sources never match a pod's labels. */
export function matchesCiliumSelector(sel: Selector, labels: Readonly<Record<string, string>>, where: string): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const pk = podKey(k);
    if (pk === undefined || labels[pk] !== v) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const pk = podKey(e.key);
    const value = pk === undefined ? undefined : labels[pk];
    if (!requirement(e, value, where)) return false;
  }
  return true;
}
