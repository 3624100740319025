// Which certificates may hold a link, and when a certificate may be renewed. The rules, and what
// the parent keeps for them (all on the cluster's ClusterLink):
//   - a cluster without a ClusterLink has no link: a stream for it is refused (issuing a bootstrap
//     token creates the ClusterLink; deleting it — a deprovisioned cluster — ends the identity);
//   - revocation: spec.revokedBefore (RFC 3339, whole seconds). Every certificate of the cluster
//     valid from before it is refused — at the stream, on every replica (each one watches
//     ClusterLinks and cuts a live stream the moment it sees the field), and for renewal. Nothing
//     else is kept: no list of serials, and no clear token. Only a new bootstrap token admits the
//     cluster again: its certificate is issued valid from revokedBefore on;
//   - renewal: at most one per `minIntervalMs` per cluster. status.certificateRenewedTime records
//     the last one and is written with compare-and-swap before signing, so two replicas cannot
//     both sign within one interval.
import { KubeError, type KubeClient } from "../../kube/client";
import type { Logger } from "../log";
import { LINK_API_VERSION, type ClusterLink } from "../api/types";
import type { CertificateAuthority } from "../pki/ca";
import { checkAgentCsr, CsrError } from "../pki/csr";
import type { ClusterLinkIndex } from "./links";
import { recordOf } from "./links";
import type { PeerCertificate, RenewOutcome, RenewSigner } from "./session";

/** Field manager of the renewal record (kept apart from the status writer's fields). */
export const PKI_FIELD_MANAGER = "lattice-cell-pki";

/** The default minimum time between two renewals of one cluster's certificate. */
export const DEFAULT_RENEWAL_INTERVAL_MS = 24 * 3600_000;

/** Why a certificate may not hold a stream now, or undefined. */
export function admissionRefusal(
  index: Pick<ClusterLinkIndex, "get">,
  namespace: string,
  cluster: string,
  cert: PeerCertificate,
): string | undefined {
  const rec = index.get(cluster);
  if (!rec)
    return `cluster "${cluster}" has no ClusterLink in namespace ${namespace} of the parent: issue a bootstrap token for it (which creates one)`;
  if (rec.revokedBeforeMs && (cert.notBefore?.getTime() ?? 0) < rec.revokedBeforeMs)
    return `the identity of cluster "${cluster}" was revoked at ${new Date(rec.revokedBeforeMs).toISOString()}: only a new bootstrap token admits it again`;
  return undefined;
}

/** The time a revocation written now records: the current second (certificates have whole seconds). */
export function revocationTime(now = Date.now()): Date {
  return new Date(Math.floor(now / 1000) * 1000);
}

/** Revoke `cluster`: record spec.revokedBefore = now on its ClusterLink; returns the time recorded. */
export async function revokeCluster(
  kube: KubeClient,
  namespace: string,
  cluster: string,
  now = Date.now(),
): Promise<Date> {
  const at = revocationTime(now);
  const path = await kube.pathOf(LINK_API_VERSION, "ClusterLink", namespace, cluster);
  try {
    await kube.request(
      "PATCH",
      `${path}?fieldManager=${PKI_FIELD_MANAGER}`,
      { spec: { revokedBefore: at.toISOString().replace(/\.\d{3}Z$/, "Z") } },
      "application/merge-patch+json",
    );
  } catch (e) {
    if (e instanceof KubeError && e.status === 404)
      throw new Error(
        `no ClusterLink ${namespace}/${cluster} in the parent: nothing to revoke (a cluster without one has no link)`,
      );
    throw e;
  }
  return at;
}

/** The earliest time a certificate issued now for `cluster` may be valid from (its revocation). */
export function notBeforeFloor(link: ClusterLink | undefined): Date | undefined {
  const r = link?.spec?.revokedBefore ? Date.parse(link.spec.revokedBefore) : NaN;
  return Number.isFinite(r) ? new Date(r) : undefined;
}

export interface RenewalPolicy {
  kube: KubeClient;
  namespace: string;
  ca: CertificateAuthority;
  index: Pick<ClusterLinkIndex, "observe">;
  minIntervalMs: number;
  log: Logger;
  now?: () => number;
}

/** A RenewSigner that enforces revocation and the renewal interval before signing. */
export function renewalSigner(p: RenewalPolicy): RenewSigner {
  const now = p.now ?? Date.now;
  return async (cluster: string, csrPem: string, cert: PeerCertificate): Promise<RenewOutcome> => {
    const csr = await checkAgentCsr(csrPem, cluster).catch((e: unknown) => {
      if (e instanceof CsrError) return e;
      throw e;
    });
    if (csr instanceof CsrError) return { refused: `the certificate request was refused: ${csr.message}` };
    for (let attempt = 0; attempt < 3; attempt++) {
      const link = await p.kube.getOrUndefined<ClusterLink>({
        apiVersion: LINK_API_VERSION,
        kind: "ClusterLink",
        namespace: p.namespace,
        name: cluster,
      });
      if (!link) return { refused: `cluster "${cluster}" has no ClusterLink in the parent` };
      p.index.observe(cluster, recordOf(link));
      const floor = notBeforeFloor(link);
      if (floor && (cert.notBefore?.getTime() ?? 0) < floor.getTime())
        return { refused: `the identity of cluster "${cluster}" was revoked at ${floor.toISOString()}` };
      const t = now();
      const last = link.status?.certificateRenewedTime ? Date.parse(link.status.certificateRenewedTime) : NaN;
      if (Number.isFinite(last) && t - last < p.minIntervalMs)
        return {
          refused: `a certificate for cluster "${cluster}" was renewed at ${new Date(last).toISOString()}; one renewal per ${Math.round(p.minIntervalMs / 60_000)} min`,
          retryAfter: new Date(last + p.minIntervalMs),
        };
      // Record the renewal first, conditional on the version read: of two racing renewals (two
      // replicas, or a revocation landing meanwhile) only one passes.
      try {
        const path = await p.kube.pathOf(LINK_API_VERSION, "ClusterLink", p.namespace, cluster);
        const live = await p.kube.request<ClusterLink>(
          "PATCH",
          `${path}/status?fieldManager=${PKI_FIELD_MANAGER}`,
          {
            metadata: { resourceVersion: link.metadata.resourceVersion },
            status: { certificateRenewedTime: new Date(t).toISOString() },
          },
          "application/merge-patch+json",
        );
        p.index.observe(cluster, recordOf(live));
      } catch (e) {
        if (e instanceof KubeError && e.status === 409) continue;
        throw e;
      }
      const issued = await p.ca.issueAgent(csr.publicKey, cluster, undefined, floor);
      p.log.info("renewal signed", { cluster, serial: issued.serial, notAfter: issued.notAfter.toISOString() });
      return { pem: issued.pem, notAfter: issued.notAfter };
    }
    return { refused: "the ClusterLink kept changing; try again later", retryAfter: new Date(now() + 60_000) };
  };
}
