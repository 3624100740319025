// The CA lives in a Secret of the parent cluster (lattice-cell-ca in the cell's namespace), so a
// restarted or second cell signs with the same key and every issued certificate stays valid.
// Whoever needs it first creates it; a racing creator gets 409 and reads the winner's.
import { KubeError, type KubeClient } from "../../kube/client";
import { ensureNamespace } from "../api/namespace";
import { CA_SECRET_NAME, MANAGED_BY, MANAGED_BY_LABEL, type SecretObject } from "../api/types";
import { CertificateAuthority } from "./ca";

type TlsSecret = SecretObject;

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, "base64").toString("utf8"));

/** The CA of the cell in `namespace`, created (and stored) if there is none yet. */
export async function loadOrCreateCa(kube: KubeClient, namespace: string): Promise<CertificateAuthority> {
  const ref = { apiVersion: "v1", kind: "Secret", namespace, name: CA_SECRET_NAME };
  const existing = await kube.getOrUndefined<TlsSecret>(ref);
  if (existing) return fromSecret(existing);
  await ensureNamespace(kube, namespace);
  const { ca, keyPem } = await CertificateAuthority.generate(`lattice-cell-ca ${namespace}`);
  const secret: TlsSecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: CA_SECRET_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(ca.certPem), "tls.key": b64(keyPem) },
  };
  try {
    await kube.create(secret);
    return ca;
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
    return fromSecret(await kube.get<TlsSecret>(ref)); // another cell won the race: use its CA
  }
}

/** The CA certificate (PEM) only: what a caller hands to a new node to trust the cell. */
export async function readCaBundle(kube: KubeClient, namespace: string): Promise<string> {
  return (await loadOrCreateCa(kube, namespace)).certPem;
}

async function fromSecret(s: TlsSecret): Promise<CertificateAuthority> {
  const cert = unb64(s.data?.["tls.crt"]);
  const key = unb64(s.data?.["tls.key"]);
  if (!cert || !key)
    throw new Error(
      `Secret ${s.metadata.namespace}/${s.metadata.name} lacks tls.crt or tls.key: delete it to have a new CA made (every agent must then re-bootstrap)`,
    );
  return CertificateAuthority.fromPem(cert, key);
}
