// What the CLI checks about a cluster before the engine runs (and `doctor` reports): the kubeconfig
// can be read, the API server answers and accepts its credentials, it serves the kinds Lattice
// renders, and — when clusters are declared — the cell has published a reachable endpoint. Each
// failure is a typed CliError (./failures.ts) naming the fix.
import { existsSync, statSync } from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { DEFAULT_NAMESPACE } from "../agent/api/types";
import { readEndpoint } from "../agent/cell/endpoint";
import { KubeClient, KubeError } from "../kube/client";
import { isKubeconfigContent, loadKubeconfig } from "../kube/kubeconfig";
import { networkReason } from "./errors";
import { ApiRefused, ApiUnreachable, KubeconfigMissing, KubeconfigUnreadable, type KubeconfigOrigin } from "./failures";

/** A cluster the CLI talks to, and where its kubeconfig came from. */
export interface Target {
  readonly client: KubeClient;
  readonly server: string;
  readonly origin: KubeconfigOrigin;
  /** The kubeconfig's path, or "<kubeconfig content>". */
  readonly source: string;
}

/** How long a probe waits for an answer (an unreachable address must not hang the CLI). */
const PROBE_MS = 10_000;

/**
 * The cluster of a kubeconfig given as a path (relative to `baseDir`) or as content. Throws
 * KubeconfigMissing / KubeconfigUnreadable. `hint` is the first fix for a missing file.
 */
export function loadTarget(
  value: string | undefined,
  origin: KubeconfigOrigin,
  baseDir: string,
  hint?: string,
): Target {
  if (!value) throw new KubeconfigMissing(origin);
  const content = isKubeconfigContent(value);
  const file = content ? undefined : path.resolve(baseDir, value);
  const rel = file && path.relative(process.cwd(), file);
  const source = !file ? "<kubeconfig content>" : rel && !rel.startsWith("..") ? rel : file;
  if (file && !existsSync(file)) throw new KubeconfigMissing(origin, source, hint);
  if (file && statSync(file).isDirectory()) throw new KubeconfigUnreadable(origin, source, "it is a directory");
  try {
    const access = loadKubeconfig(content ? value : file!);
    return { client: new KubeClient(access), server: access.server, origin, source };
  } catch (e) {
    const reason = (e as Error).message.replace(/^kubeconfig [^:]*: /, "");
    throw new KubeconfigUnreadable(origin, source, reason);
  }
}

const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(Object.assign(new Error(`${what}: timed out`), { code: "ETIMEDOUT" })), PROBE_MS).unref(),
    ),
  ]);

/** The API server's version; throws ApiUnreachable, or ApiRefused when it rejects the credentials. */
export async function probeApi(t: Target): Promise<string> {
  try {
    const v = await withTimeout(t.client.request<{ gitVersion?: string }>("GET", "/version"), t.server);
    // /version is public; listing namespaces is not: it proves the credentials are accepted.
    await withTimeout(t.client.request("GET", "/api/v1/namespaces?limit=1"), t.server);
    return v.gitVersion ?? "unknown";
  } catch (e) {
    if (e instanceof KubeError && (e.status === 401 || e.status === 403))
      throw new ApiRefused(t.server, e.status, e.message);
    if (e instanceof KubeError) throw new ApiUnreachable(t.server, `it answered ${e.status} ${e.message}`, t.origin);
    throw new ApiUnreachable(t.server, networkReason(e) ?? (e as Error).message, t.origin);
  }
}

/** Of "group/version/Kind" names (or "v1/Kind"), those the API server does not serve. */
export async function unservedKinds(client: KubeClient, kinds: readonly string[]): Promise<string[]> {
  const byVersion = new Map<string, string[]>();
  for (const k of kinds) {
    const i = k.lastIndexOf("/");
    const gv = k.slice(0, i);
    byVersion.set(gv, [...(byVersion.get(gv) ?? []), k.slice(i + 1)]);
  }
  const missing: string[] = [];
  for (const [gv, names] of byVersion) {
    let served: Set<string>;
    try {
      const list = await client.request<{ resources: { kind: string }[] }>(
        "GET",
        gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`,
      );
      served = new Set(list.resources.map((r) => r.kind));
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 404)) throw e;
      served = new Set();
    }
    for (const n of names) if (!served.has(n)) missing.push(`${gv}/${n}`);
  }
  return missing.sort();
}

/** The cell's endpoint as published in the parent, and whether its /healthz answers. */
export async function probeCell(client: KubeClient): Promise<{ ok: boolean; detail: string; fix?: string }> {
  const ep = await readEndpoint(client, DEFAULT_NAMESPACE);
  if (!ep)
    return {
      ok: false,
      detail: `no cell has published its endpoint (ConfigMap lattice-cell in ${DEFAULT_NAMESPACE})`,
      fix: "run the cell in the parent: lattice cell --kubeconfig PARENT (or deploy agent/deploy)",
    };
  const url = new URL("/healthz", ep.bootstrapUrl);
  const answer = await new Promise<string | undefined>((resolve) => {
    const req = https.get(url, { ca: ep.caBundle, servername: ep.serverName, timeout: PROBE_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `it answered ${res.statusCode}`);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", (e) => resolve(networkReason(e) ?? e.message));
  });
  return answer
    ? {
        ok: false,
        detail: `the cell's bootstrap endpoint ${ep.bootstrapUrl} is unreachable: ${answer}`,
        fix: "check that 'lattice cell' runs and that its --bootstrap-advertise address is reachable from here",
      }
    : { ok: true, detail: `bootstrap endpoint ${ep.bootstrapUrl} answers, link at ${ep.grpcAddress}` };
}
