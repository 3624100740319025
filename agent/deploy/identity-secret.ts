// The agent's identity Secret in the child, as the cell returns it at bootstrap: everything the
// agent needs except its private key (that stays on the node, in Secret lattice-agent-key).
import type { SecretObject } from "../api/types";
import { IDENTITY_SECRET_NAME } from "../api/child";

/** The identity's fields. */
export interface IdentityFields {
  cluster: string;
  capiNamespace: string;
  /** PEM of the agent's certificate and of the cell CA. */
  certificate: string;
  caBundle: string;
  parentAddress: string;
  serverName: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");

/** The Secret holding `f` in `namespace`. */
export function renderIdentitySecret(namespace: string, f: IdentityFields): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: IDENTITY_SECRET_NAME, namespace, labels: { "app.kubernetes.io/managed-by": "lattice" } },
    type: "Opaque",
    data: {
      "tls.crt": b64(f.certificate),
      "ca.crt": b64(f.caBundle),
      cluster: b64(f.cluster),
      "capi-namespace": b64(f.capiNamespace),
      "parent-address": b64(f.parentAddress),
      "server-name": b64(f.serverName),
    },
  };
}

/** The fields of an identity Secret; throws naming the first missing one. */
export function readIdentitySecret(s: SecretObject): IdentityFields {
  const get = (k: string): string => {
    const v = unb64(s.data?.[k]);
    if (!v) throw new Error(`Secret ${s.metadata.namespace ?? ""}/${s.metadata.name} has no ${k}`);
    return v;
  };
  return {
    certificate: get("tls.crt"),
    caBundle: get("ca.crt"),
    cluster: get("cluster"),
    capiNamespace: get("capi-namespace"),
    parentAddress: get("parent-address"),
    serverName: get("server-name"),
  };
}
