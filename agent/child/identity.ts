// The agent's identity in the child, in two Secrets (namespace lattice-system):
//   lattice-agent-identity  certificate, CA, cluster, CAPI namespace, the cell's address and name
//                           (returned by the cell at bootstrap, applied by the node as is)
//   lattice-agent-key       tls.key, made on the node; after a renewal also tls.crt — the new key
//                           and certificate are written together, in one write, so they never diverge.
import { X509Certificate, createPublicKey, type KeyObject } from "node:crypto";
import type { KubeClient } from "../../kube/client";
import type { SecretObject } from "../api/types";
import { AGENT_FIELD_MANAGER, IDENTITY_SECRET_NAME, KEY_SECRET_NAME } from "../api/child";
import { readIdentitySecret } from "../deploy/identity-secret";
import type { TlsMaterial } from "../protocol/tls";

/** Everything the agent needs to dial its cell. */
export interface AgentIdentity extends TlsMaterial {
  cluster: string;
  capiNamespace: string;
  parentAddress: string;
  serverName: string;
  notBefore: Date;
  notAfter: Date;
}

/** True when the certificate is for the private key's public key. */
export function certificateMatchesKey(certPem: string, keyPem: string): boolean {
  try {
    const spki = (k: KeyObject) => k.export({ format: "der", type: "spki" });
    return spki(new X509Certificate(certPem).publicKey).equals(spki(createPublicKey(keyPem)));
  } catch {
    return false;
  }
}

/** Validity of a certificate PEM. */
export function validityOf(certPem: string): { notBefore: Date; notAfter: Date } {
  const c = new X509Certificate(certPem);
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo) };
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");

/** The key Secret as the node (or `lattice agent bootstrap`) writes it. */
export function keySecret(namespace: string, keyPem: string): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: KEY_SECRET_NAME, namespace, labels: { "app.kubernetes.io/managed-by": "lattice" } },
    type: "Opaque",
    data: { "tls.key": b64(keyPem) },
  };
}

/** Read both Secrets; throws naming what is missing. */
export async function loadIdentity(kube: KubeClient, namespace: string): Promise<AgentIdentity> {
  const get = (name: string) =>
    kube.getOrUndefined<SecretObject>({ apiVersion: "v1", kind: "Secret", namespace, name });
  const [id, key] = await Promise.all([get(IDENTITY_SECRET_NAME), get(KEY_SECRET_NAME)]);
  if (!id || !key)
    throw new Error(
      `no Secret ${namespace}/${id ? KEY_SECRET_NAME : IDENTITY_SECRET_NAME} in the child: bootstrap the agent first ('lattice agent bootstrap' or the node's bootstrap script)`,
    );
  const f = readIdentitySecret(id);
  const keyPem = unb64(key.data?.["tls.key"]);
  if (!keyPem) throw new Error(`Secret ${namespace}/${KEY_SECRET_NAME} has no tls.key`);
  // A renewed pair lives in the key Secret; the identity Secret's certificate is the bootstrap one.
  // A renewed certificate left from before a new bootstrap (a new key) does not belong to the key:
  // the identity Secret's is taken then.
  const renewed = unb64(key.data?.["tls.crt"]);
  const cert = renewed && certificateMatchesKey(renewed, keyPem) ? renewed : f.certificate;
  return {
    cert,
    key: keyPem,
    ca: f.caBundle,
    cluster: f.cluster,
    capiNamespace: f.capiNamespace,
    parentAddress: f.parentAddress,
    serverName: f.serverName,
    ...validityOf(cert),
  };
}

/** Store a renewed key and certificate together (then refresh the identity Secret's copy). */
export async function saveRenewedCertificate(
  kube: KubeClient,
  namespace: string,
  cert: string,
  key: string,
): Promise<void> {
  await kube.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: KEY_SECRET_NAME, namespace },
      data: { "tls.key": b64(key), "tls.crt": b64(cert) },
    },
    { fieldManager: AGENT_FIELD_MANAGER, force: true },
  );
  await kube.apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: IDENTITY_SECRET_NAME, namespace },
      data: { "tls.crt": b64(cert) },
    },
    { fieldManager: AGENT_FIELD_MANAGER, force: true },
  );
}
