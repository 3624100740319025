// Evaluate what a cluster enforces from the policy objects READ BACK from its API server (never
// from declarations): "may service A call service B on port P?", with core/policy-eval.
import type { KubeObject } from "../../core/k8s/object";
import { mayConnect, podsOf, policySetOf, type Verdict } from "../../core/policy-eval";
import type { KubeClient } from "../../kube/client";

const POLICY_KINDS = [
  ["cilium.io/v2", "CiliumNetworkPolicy"],
  ["cilium.io/v2", "CiliumClusterwideNetworkPolicy"],
  ["security.istio.io/v1", "AuthorizationPolicy"],
  ["apps/v1", "Deployment"],
] as const;

/** Everything the evaluator reads, listed from the cluster across all namespaces. */
export async function readEnforcement(client: KubeClient): Promise<KubeObject[]> {
  return (await Promise.all(POLICY_KINDS.map(([v, k]) => client.list(v, k)))).flat();
}

/** The verdict for "namespace/a" calling "namespace/b" on `port`, from the live objects. */
export async function liveVerdict(
  client: KubeClient,
  from: string,
  to: string,
  port: number,
  trustDomain: string,
): Promise<Verdict> {
  const objects = await readEnforcement(client);
  const pods = podsOf(objects);
  const a = pods.get(from);
  const b = pods.get(to);
  if (!a || !b) throw new Error(`no Deployment for ${!a ? from : to} in the cluster`);
  return mayConnect(policySetOf(objects), a, b, port, { trustDomain });
}
