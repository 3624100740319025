#!/bin/sh
# Lattice: join this cluster to its parent (rendered by core/cluster/bootstrap-script.ts).
set -eu
umask 077
CLUSTER='golden'
NS='lattice-system'
KUBECTL='kubectl'
export KUBECONFIG='/etc/kubernetes/admin.conf'
TOKEN_FILE='/etc/lattice/bootstrap-token'
CLAIM='lattice-bootstrap-claim'
log() { echo "lattice-bootstrap: $*" >&2; }
for bin in curl openssl "$KUBECTL"; do
  command -v "$bin" >/dev/null 2>&1 || { log "$bin is missing on this node"; exit 1; }
done
i=0
until "$KUBECTL" get --raw=/readyz >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { log "the API server is not ready"; exit 1; }; sleep 5
done
if "$KUBECTL" -n "$NS" get secret 'lattice-agent-key' >/dev/null 2>&1; then
  log "the agent is already bootstrapped"; rm -f "$TOKEN_FILE"; exit 0
fi
if [ "$(cat "$TOKEN_FILE" 2>/dev/null || true)" = 'spent' ]; then
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
printf 'Authorization: Bearer %s\n' "$(cat "$TOKEN_FILE")" > "$WORK/auth"
printf '{"cluster":"%s","csr":"%s"}' "$CLUSTER" "$(awk '{printf "%s\\n", $0}' "$WORK/csr.pem")" > "$WORK/request.json"
URL="$(cat '/etc/lattice/parent-endpoint')/v1/bootstrap"
code=$(curl -sS --proto '=https' --tlsv1.2 --cacert '/etc/lattice/parent-ca.crt' --max-time 60 \
  --retry 10 --retry-connrefused --retry-delay 5 \
  -H @"$WORK/auth" -H 'Content-Type: application/json' -H 'Accept: application/json' \
  --data-binary @"$WORK/request.json" -o "$WORK/response.json" -w '%{http_code}' "$URL") || code=000
if [ "$code" = 000 ]; then log "cannot reach $URL"; exit 1; fi
rm -f "$TOKEN_FILE"
if [ "$code" != 200 ]; then
  log "$URL answered HTTP $code: $(head -c 512 "$WORK/response.json" 2>/dev/null || true)"; exit 1
fi
spent=1
"$KUBECTL" create namespace "$NS" >/dev/null 2>&1 || true
"$KUBECTL" apply -f "$WORK/response.json"
"$KUBECTL" -n "$NS" create secret generic 'lattice-agent-key' --from-file=tls.key="$WORK/key.pem" >/dev/null
ok=1
log "the agent of $CLUSTER is bootstrapped"
