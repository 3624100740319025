// Who is on the other end of the link. An agent's client certificate names exactly one cluster:
// subject CN=<cluster>, O=lattice:agents, a URI SAN spiffe://lattice.dev/cluster/<cluster> and the
// clientAuth extended key usage. The cell's serving certificate carries the DNS name "lattice-cell"
// (what agents verify, whatever address they dial) and serverAuth. Both are signed by the cell's CA,
// so the usage and name checks are what keep an agent certificate from posing as the cell.
import type { PeerCertificate } from "node:tls";

/** DNS-1123 label: the shape of a cluster name. */
export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** The organisation of every agent certificate. */
export const AGENT_ORGANIZATION = "lattice:agents";
/** The name agents verify on the cell's serving certificate (SNI and SAN). */
export const CELL_SERVER_NAME = "lattice-cell";
/** Extended key usage OIDs. */
export const EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

const URI_PREFIX = "spiffe://lattice.dev/cluster/";

/** The URI SAN naming a cluster. */
export function clusterUri(cluster: string): string {
  return URI_PREFIX + cluster;
}

/** A peer whose certificate does not name a cluster the way the link requires. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentityError";
  }
}

/** Throws IdentityError unless `name` is a valid cluster name. */
export function assertClusterName(name: string, what = "cluster name"): string {
  if (!CLUSTER_NAME.test(name))
    throw new IdentityError(`${what} "${name}" is not a DNS-1123 label (lower case, digits, '-', at most 63)`);
  return name;
}

/** The URIs in a subjectaltname string ("DNS:a, URI:spiffe://..., IP Address:1.2.3.4"). */
function sanEntries(san: string | undefined, type: "URI" | "DNS"): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((e) => e.startsWith(`${type}:`))
    .map((e) => e.slice(type.length + 1));
}

/** The cluster an authenticated client certificate speaks for; IdentityError if it names none. */
export function clusterOfPeer(cert: PeerCertificate | undefined): string {
  if (!cert || !cert.raw) throw new IdentityError("no client certificate");
  const eku = cert.ext_key_usage ?? [];
  if (!eku.includes(EKU_CLIENT_AUTH)) throw new IdentityError("client certificate lacks the clientAuth usage");
  const cn = Array.isArray(cert.subject?.CN) ? undefined : cert.subject?.CN;
  if (!cn) throw new IdentityError("client certificate has no single subject CN");
  assertClusterName(cn, "certificate CN");
  const uris = sanEntries(cert.subjectaltname, "URI").filter((u) => u.startsWith(URI_PREFIX));
  if (uris.length !== 1 || uris[0] !== clusterUri(cn)) {
    throw new IdentityError(`client certificate for "${cn}" must carry exactly the URI SAN ${clusterUri(cn)}`);
  }
  return cn;
}

/** Undefined if the cell's serving certificate is acceptable, else the reason (for checkServerIdentity). */
export function checkCellCertificate(cert: PeerCertificate, serverName = CELL_SERVER_NAME): Error | undefined {
  if (!(cert.ext_key_usage ?? []).includes(EKU_SERVER_AUTH))
    return new IdentityError("the cell's certificate lacks the serverAuth usage");
  if (!sanEntries(cert.subjectaltname, "DNS").includes(serverName)) {
    return new IdentityError(`the cell's certificate does not name ${serverName}`);
  }
  return undefined;
}
