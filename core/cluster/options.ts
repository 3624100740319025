// Options of the cluster compiler. All optional: with none, the manifests are complete and the
// node reads the parent's bootstrap address and CA from the bootstrap Secret (see link.ts); with
// `parent`, both are written into the manifests so a reviewer sees which parent a cluster trusts.

/** How a new cluster reaches its parent's bootstrap endpoint (the cell, agent/). */
export interface ParentLink {
  /** https://host[:port] of the cell's bootstrap endpoint (no path; the node appends BOOTSTRAP_PATH). */
  readonly bootstrapUrl: string;
  /** The PEM certificate(s) the node trusts for that endpoint: the cell's CA. Public, not a secret. */
  readonly caPem: string;
}

/** What the cluster compiler takes besides the document. */
export interface ClusterCompileOptions {
  readonly parent?: ParentLink;
  /**
   * A root cluster: `lattice install` provisions it from a bootstrap that goes away, so it has no
   * parent and its nodes get no link files, no token reference and no bootstrap command.
   */
  readonly root?: boolean;
  /** The kube-vip image on Proxmox control planes (default DEFAULT_KUBE_VIP_IMAGE). */
  readonly kubeVipImage?: string;
}

/** kube-vip, pinned: the static pod holding a Proxmox cluster's API address. */
export const DEFAULT_KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v1.0.3";

/** Largest CA bundle: a kubeadm bootstrap file holds at most 10240 bytes (KubeadmConfigSpec CRD). */
export const MAX_CA_PEM_BYTES = 10240;

const URL_FORM = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https:\/\/\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;
const PEM_BLOCK = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9./_:@-]*$/;

/** Why the options are unusable (naming the option), or undefined when they are fine. */
export function checkClusterOptions(o: ClusterCompileOptions): string | undefined {
  if (o.root && o.parent) return "root: a root cluster has no parent link; drop parent";
  if (o.parent) {
    const url = o.parent.bootstrapUrl.replace(/\/+$/, "");
    if (!URL_FORM.test(url))
      return `parent.bootstrapUrl: expected https://host[:port] without a path, got ${JSON.stringify(o.parent.bootstrapUrl)}`;
    const pem = o.parent.caPem;
    if (new TextEncoder().encode(pem).length > MAX_CA_PEM_BYTES)
      return `parent.caPem: larger than ${MAX_CA_PEM_BYTES} bytes (a kubeadm bootstrap file's limit)`;
    const blocks = pem
      .trim()
      .split(/(?<=-----END CERTIFICATE-----)\s*/)
      .filter((b) => b.length > 0);
    if (blocks.length === 0 || !blocks.every((b) => PEM_BLOCK.test(b + "\n")))
      return "parent.caPem: expected one or more PEM CERTIFICATE blocks (the cell's CA)";
  }
  if (o.kubeVipImage !== undefined && (!IMAGE.test(o.kubeVipImage) || o.kubeVipImage.length > 512))
    return `kubeVipImage: expected an image reference, got ${JSON.stringify(o.kubeVipImage)}`;
  return undefined;
}

/** The parent link in the form the manifests use: URL without a trailing slash, PEM ending in a newline. */
export function normalizeParent(p: ParentLink): ParentLink {
  const pem = p.caPem.replace(/\r\n/g, "\n").trim() + "\n";
  return { bootstrapUrl: p.bootstrapUrl.replace(/\/+$/, ""), caPem: pem };
}
