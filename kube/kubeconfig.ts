// Reads a kubeconfig (a path or the YAML itself) into what an HTTPS client needs. Only the parts
// Lattice uses: the current context's cluster (server, CA) and user (client certificate or token).
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";

/** How to reach and authenticate to one API server. */
export interface ClusterAccess {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  /** A file holding the bearer token, re-read as it rotates (in-cluster projected tokens). */
  tokenFile?: string;
  insecureSkipTLSVerify?: boolean;
}

/** Where a pod finds its service account (the kubelet mounts it). */
export const IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The API server of the cluster this process runs in, as its service account. Throws naming what is
 * missing when the process does not run in a pod.
 */
export function inClusterAccess(dir = IN_CLUSTER_DIR, env: NodeJS.ProcessEnv = process.env): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("not running in a cluster (KUBERNETES_SERVICE_HOST is unset): pass a kubeconfig");
  let ca: string;
  try {
    ca = readFileSync(`${dir}/ca.crt`, "utf8");
  } catch (e) {
    throw new Error(`in-cluster config: ${(e as Error).message}`);
  }
  const server = host.includes(":") ? `https://[${host}]:${port}` : `https://${host}:${port}`;
  return { server, ca, tokenFile: `${dir}/token` };
}

interface NamedEntry<T> {
  name: string;
  [k: string]: T | string;
}

/** True when the string is kubeconfig YAML rather than a path to it. */
export function isKubeconfigContent(s: string): boolean {
  return /(^|\n)\s*(apiVersion|clusters|current-context)\s*:/.test(s);
}

/** Parse a kubeconfig given as a path or as its content; errors name the source and the field. */
export function loadKubeconfig(pathOrContent: string, context?: string): ClusterAccess {
  const fromFile = !isKubeconfigContent(pathOrContent);
  const source = fromFile ? pathOrContent : "<kubeconfig content>";
  let text: string;
  try {
    text = fromFile ? readFileSync(pathOrContent, "utf8") : pathOrContent;
  } catch (e) {
    throw new Error(`kubeconfig ${source}: ${(e as Error).message}`);
  }
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== "object") throw new Error(`kubeconfig ${source}: not a YAML mapping`);
  const ctxName = context ?? (doc["current-context"] as string | undefined);
  const find = <T>(list: unknown, name: string | undefined, field: string): T => {
    const hit = (Array.isArray(list) ? (list as NamedEntry<T>[]) : []).find((e) => e.name === name);
    if (!hit || !hit[field]) throw new Error(`kubeconfig ${source}: no ${field} named "${name ?? ""}"`);
    return hit[field] as T;
  };
  const ctx = find<Record<string, string>>(doc.contexts, ctxName, "context");
  const cluster = find<Record<string, unknown>>(doc.clusters, ctx.cluster, "cluster");
  const user = find<Record<string, string>>(doc.users, ctx.user, "user");
  const pem = (data: unknown, file: unknown): string | undefined =>
    typeof data === "string"
      ? Buffer.from(data, "base64").toString("utf8")
      : typeof file === "string"
        ? readFileSync(file, "utf8")
        : undefined;
  if (typeof cluster.server !== "string")
    throw new Error(`kubeconfig ${source}: cluster "${ctx.cluster}" has no server`);
  const access: ClusterAccess = { server: cluster.server.replace(/\/+$/, "") };
  const ca = pem(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = pem(user["client-certificate-data"], user["client-certificate"]);
  const key = pem(user["client-key-data"], user["client-key"]);
  if (ca) access.ca = ca;
  if (cert) access.cert = cert;
  if (key) access.key = key;
  if (user.token) access.token = user.token;
  if (cluster["insecure-skip-tls-verify"] === true) access.insecureSkipTLSVerify = true;
  return access;
}

/** Write a kubeconfig for one cluster and user with embedded credentials. */
export function renderKubeconfig(name: string, access: ClusterAccess): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const cluster: Record<string, unknown> = { server: access.server };
  if (access.ca) cluster["certificate-authority-data"] = b64(access.ca);
  const user: Record<string, string> = {};
  if (access.cert) user["client-certificate-data"] = b64(access.cert);
  if (access.key) user["client-key-data"] = b64(access.key);
  if (access.token) user.token = access.token;
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
  };
  return stringify(doc);
}
