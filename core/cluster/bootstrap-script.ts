// The script a control-plane node runs after kubeadm/RKE2 has started its API server: join the
// cluster to its parent. Kept in ONE function so the link's contract (link-contract.ts) has one
// place to change. POSIX sh; needs curl, openssl and kubectl, which kubeadm and RKE2 images have.
//
// Steps (every control-plane node runs them; only one redeems):
//   1. wait for the local API server (at most 5 minutes);
//   2. stop if the agent's key Secret exists (bootstrapped before) — and drop the token file; stop
//      with an error if the token file holds the "spent" marker (the parent scrubbed the token
//      after the agent connected, yet this cluster has no agent: a fresh token is needed);
//   3. claim: create ConfigMap kube-system/lattice-bootstrap-claim; if it exists, another node is
//      redeeming or has redeemed: stop (keeping the token file, for a manual retry);
//   4. make an ECDSA P-256 key and a CSR (CN=<cluster>, O=lattice:agents) in a private temp dir;
//   5. POST {"cluster","csr"} to <endpoint>/v1/bootstrap over TLS ≥ 1.2, trusting only the
//      parent's CA; the token goes in an Authorization header read from a 0600 file (curl -H @file),
//      never on a command line, never echoed;
//   6. once the cell has answered (any status) delete the token file: the token is spent or refused;
//   7. on 200: create the namespace, apply the returned List (which starts the agent), then store
//      the key as Secret lattice-agent-key (tls.key) — last, so that Secret means "done" to step 2;
//      keep the claim as the record of who bootstrapped;
//   8. on any failure: release the claim so another control-plane node (or a rerun) may redeem.
import {
  AGENT_KEY_SECRET,
  AGENT_NAMESPACE,
  BOOTSTRAP_CLAIM_CONFIGMAP,
  BOOTSTRAP_PATH,
  BOOTSTRAP_TOKEN_SPENT,
  NODE_PATHS,
} from "./link-contract";

/** Where kubectl and the admin kubeconfig are on a control-plane node. */
export interface NodeKubectl {
  readonly kubectl: string;
  readonly kubeconfig: string;
}

/** kubectl on kubeadm nodes (image-builder images, kindest/node) and on RKE2 servers. */
export const KUBECTL_BY_BOOTSTRAP: { readonly [B in "kubeadm" | "rke2"]: NodeKubectl } = {
  kubeadm: { kubectl: "kubectl", kubeconfig: "/etc/kubernetes/admin.conf" },
  rke2: { kubectl: "/var/lib/rancher/rke2/bin/kubectl", kubeconfig: "/etc/rancher/rke2/rke2.yaml" },
};

/** A single-quoted shell word. */
export function shellQuote(s: string): string {
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

/** The node-side bootstrap script for `cluster`. Contains no secret: the token is read from a file. */
export function renderBootstrapScript(cluster: string, node: NodeKubectl): string {
  const q = shellQuote;
  return `#!/bin/sh
# Lattice: join this cluster to its parent (rendered by core/cluster/bootstrap-script.ts).
set -eu
umask 077
CLUSTER=${q(cluster)}
NS=${q(AGENT_NAMESPACE)}
KUBECTL=${q(node.kubectl)}
export KUBECONFIG=${q(node.kubeconfig)}
TOKEN_FILE=${q(NODE_PATHS.token)}
CLAIM=${q(BOOTSTRAP_CLAIM_CONFIGMAP)}
log() { echo "lattice-bootstrap: $*" >&2; }
for bin in curl openssl "$KUBECTL"; do
  command -v "$bin" >/dev/null 2>&1 || { log "$bin is missing on this node"; exit 1; }
done
i=0
until "$KUBECTL" get --raw=/readyz >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { log "the API server is not ready"; exit 1; }; sleep 5
done
if "$KUBECTL" -n "$NS" get secret ${q(AGENT_KEY_SECRET)} >/dev/null 2>&1; then
  log "the agent is already bootstrapped"; rm -f "$TOKEN_FILE"; exit 0
fi
if [ "$(cat "$TOKEN_FILE" 2>/dev/null || true)" = ${q(BOOTSTRAP_TOKEN_SPENT)} ]; then
  log "the bootstrap token of $CLUSTER was spent by its first control plane, but this cluster has no agent: a fresh token is needed (lattice up issues one)"
  rm -f "$TOKEN_FILE"; exit 1
fi
if ! "$KUBECTL" -n kube-system create configmap "$CLAIM" --from-literal=node="$(hostname)" >/dev/null 2>&1; then
  if "$KUBECTL" -n kube-system get configmap "$CLAIM" >/dev/null 2>&1; then
    log "another control-plane node holds configmap kube-system/$CLAIM"; exit 0
  fi
  log "cannot create configmap kube-system/$CLAIM"; exit 1
fi
WORK=$(mktemp -d)
ok=0
spent=0
cleanup() {
  rm -rf "$WORK"
  [ "$ok" = 1 ] && return 0
  [ "$spent" = 0 ] || log "the token is spent but the agent did not start: a new token is needed"
  "$KUBECTL" -n kube-system delete configmap "$CLAIM" --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT
[ -s "$TOKEN_FILE" ] || { log "no bootstrap token at $TOKEN_FILE"; exit 1; }
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/key.pem"
openssl req -new -sha256 -key "$WORK/key.pem" -subj "/CN=$CLUSTER/O=lattice:agents" -out "$WORK/csr.pem"
printf 'Authorization: Bearer %s\\n' "$(cat "$TOKEN_FILE")" > "$WORK/auth"
printf '{"cluster":"%s","csr":"%s"}' "$CLUSTER" "$(awk '{printf "%s\\\\n", $0}' "$WORK/csr.pem")" > "$WORK/request.json"
URL="$(cat ${q(NODE_PATHS.endpoint)})${BOOTSTRAP_PATH}"
code=$(curl -sS --proto '=https' --tlsv1.2 --cacert ${q(NODE_PATHS.caCert)} --max-time 60 \\
  --retry 10 --retry-connrefused --retry-delay 5 \\
  -H @"$WORK/auth" -H 'Content-Type: application/json' -H 'Accept: application/json' \\
  --data-binary @"$WORK/request.json" -o "$WORK/response.json" -w '%{http_code}' "$URL") || code=000
if [ "$code" = 000 ]; then log "cannot reach $URL"; exit 1; fi
rm -f "$TOKEN_FILE"
if [ "$code" != 200 ]; then
  log "$URL answered HTTP $code: $(head -c 512 "$WORK/response.json" 2>/dev/null || true)"; exit 1
fi
spent=1
"$KUBECTL" create namespace "$NS" >/dev/null 2>&1 || true
"$KUBECTL" apply -f "$WORK/response.json"
"$KUBECTL" -n "$NS" create secret generic ${q(AGENT_KEY_SECRET)} --from-file=tls.key="$WORK/key.pem" >/dev/null
ok=1
log "the agent of $CLUSTER is bootstrapped"
`;
}
