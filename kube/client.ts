// A small Kubernetes REST client: the one I/O path from Lattice (providers, cell, CLI, test
// harness) to API servers. It speaks JSON over HTTPS with the kubeconfig's credentials, resolves
// kinds through core/k8s/kinds.ts and falls back to API discovery for kinds it does not list.
// Writes are server-side apply with a named field manager; errors keep the server's status.
import { readFileSync } from "node:fs";
import * as https from "node:https";
import { apiVersionOf, KINDS, type KindInfo } from "../core/k8s/kinds";
import type { KubeObject, ObjectRef } from "../core/k8s/object";
import { loadKubeconfig, type ClusterAccess } from "./kubeconfig";

/** The field manager Lattice applies with, unless a caller names another. */
export const LATTICE_FIELD_MANAGER = "lattice";

/** A failed API call: HTTP status, the server's reason and message, and field causes if any. */
export class KubeError extends Error {
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number;
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: ReadonlyArray<{ field?: string; message?: string }> = [],
  ) {
    super(message);
    this.name = "KubeError";
  }
}

/** True for a 404 from the API server. */
export const isNotFound = (e: unknown): boolean => e instanceof KubeError && e.status === 404;

export interface ApplyOptions {
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
}
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}
export interface DeleteOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  /** Delete only if the object still has this resourceVersion (409 otherwise). */
  resourceVersion?: string;
  /** Delete only if the object is still this one, not one re-created under its name (409 otherwise). */
  uid?: string;
}

/** A list result with the collection's resourceVersion (where a watch continues from). */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** One watch event. BOOKMARK carries only metadata.resourceVersion. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: T;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** Continue from this resourceVersion (from a list or the last event). */
  resourceVersion?: string;
  /** The server ends the watch after this long (a caller re-lists or re-watches). Default 300. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** A client bound to one API server. Cheap to create; keeps one keep-alive HTTPS agent. */
export class KubeClient {
  private readonly agent: https.Agent;
  private readonly discovered = new Map<string, KindInfo>();

  constructor(readonly access: ClusterAccess) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ...(access.ca ? { ca: access.ca } : {}),
      ...(access.cert ? { cert: access.cert } : {}),
      ...(access.key ? { key: access.key } : {}),
      rejectUnauthorized: !access.insecureSkipTLSVerify,
    });
  }

  /** A client from a kubeconfig path or content. */
  static fromKubeconfig(pathOrContent: string, context?: string): KubeClient {
    return new KubeClient(loadKubeconfig(pathOrContent, context));
  }

  /** Close idle connections (a process with no other work can then exit). */
  close(): void {
    this.agent.destroy();
  }

  /**
   * One HTTP call; JSON in and out. Throws KubeError for any status >= 400. A 429 (the server's
   * "retry later": priority and fairness, or a watch cache still initialising after a CRD became
   * Established) was rejected before any processing, so it is retried, honouring Retry-After.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, path, body, contentType);
      } catch (e) {
        if (!(e instanceof KubeError) || e.status !== 429 || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, Math.min(e.retryAfterMs ?? 100 * attempt, 2000)));
      }
    }
  }

  private async requestOnce<T>(method: string, path: string, body: unknown, contentType: string): Promise<T> {
    const url = new URL(this.access.server + path);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = contentType;
      // Explicit framing: Node sends DELETE bodies unframed (no chunked encoding by default for that
      // method), which leaves the body on a keep-alive connection to be read as the next request.
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const token = this.bearerToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const { status, text, retryAfter } = await new Promise<{ status: number; text: string; retryAfter?: string }>(
      (resolve, reject) => {
        const req = https.request(url, { method, agent: this.agent, headers, timeout: 60_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}),
            }),
          );
          res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
        req.on("error", reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      },
    );
    const parsed = text ? safeJson(text) : undefined;
    if (status >= 400) {
      const st = (parsed ?? {}) as {
        reason?: string;
        message?: string;
        details?: { causes?: { field?: string; message?: string }[] };
      };
      const err = new KubeError(
        status,
        st.reason ?? String(status),
        st.message ?? `${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`,
        st.details?.causes ?? [],
      );
      if (retryAfter && /^\d+$/.test(retryAfter)) err.retryAfterMs = Number(retryAfter) * 1000;
      throw err;
    }
    return parsed as T;
  }

  private tokenCache?: { value: string; readAt: number };

  /** The bearer token: inline, or re-read from tokenFile every minute (projected tokens rotate). */
  private bearerToken(): string | undefined {
    if (this.access.token) return this.access.token;
    const file = this.access.tokenFile;
    if (!file) return undefined;
    const now = Date.now();
    if (!this.tokenCache || now - this.tokenCache.readAt > 60_000) {
      this.tokenCache = { value: readFileSync(file, "utf8").trim(), readAt: now };
    }
    return this.tokenCache.value;
  }

  /** The kind's row: from the table, else from discovery (cached). */
  async resolve(apiVersion: string, kind: string): Promise<KindInfo> {
    const key = `${apiVersion}/${kind}`;
    const known = KINDS.get(key) ?? this.discovered.get(key);
    if (known) return known;
    const [group, version] = apiVersion.includes("/") ? (apiVersion.split("/") as [string, string]) : ["", apiVersion];
    const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
      "GET",
      group ? `/apis/${group}/${version}` : `/api/${version}`,
    );
    for (const r of list.resources) {
      if (r.name.includes("/")) continue; // subresources
      this.discovered.set(`${apiVersion}/${r.kind}`, {
        group,
        version,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
      });
    }
    const found = this.discovered.get(key);
    if (!found) throw new KubeError(404, "NotFound", `the server has no kind ${kind} in ${apiVersion}`);
    return found;
  }

  /** The URL path of a collection or an object. */
  async pathOf(apiVersion: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const k = await this.resolve(apiVersion, kind);
    const base = k.group ? `/apis/${apiVersionOf(k)}` : `/api/${k.version}`;
    const ns = k.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${k.plural}${name ? "/" + encodeURIComponent(name) : ""}`;
  }

  /** GET one object; throws KubeError 404 when absent. */
  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    return this.request<T>("GET", await this.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name));
  }

  /** GET one object, or undefined when absent. */
  async getOrUndefined<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** List a kind, in one namespace or all of them, optionally by label selector. */
  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions = {},
  ): Promise<T[]> {
    const q = opts.labelSelector ? `?labelSelector=${encodeURIComponent(opts.labelSelector)}` : "";
    const res = await this.request<{ items: T[] }>("GET", (await this.pathOf(apiVersion, kind, opts.namespace)) + q);
    // Lists omit apiVersion/kind on items; put them back so callers can treat items as objects.
    return res.items.map((i) => ({ ...i, apiVersion, kind }));
  }

  /** List with the collection's resourceVersion, for a watch that continues where the list ended. */
  async listWithVersion<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions = {},
  ): Promise<ListResult<T>> {
    const q = opts.labelSelector ? `?labelSelector=${encodeURIComponent(opts.labelSelector)}` : "";
    const res = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>(
      "GET",
      (await this.pathOf(apiVersion, kind, opts.namespace)) + q,
    );
    return { items: res.items.map((i) => ({ ...i, apiVersion, kind })), resourceVersion: res.metadata.resourceVersion };
  }

  /**
   * PUT the whole object. With metadata.resourceVersion set this is a compare-and-swap: the server
   * answers 409 Conflict when the object changed since it was read (the basis of single-use tokens).
   */
  async replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.request<T>(
      "PUT",
      await this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name),
      obj,
    );
  }

  /**
   * Watch a kind: calls onEvent for each event until the server ends the watch (resolves) or the
   * signal aborts (resolves). An expired resourceVersion rejects with KubeError 410: re-list then.
   */
  async watch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<void> {
    const q = new URLSearchParams({
      watch: "true",
      allowWatchBookmarks: "true",
      timeoutSeconds: String(opts.timeoutSeconds ?? 300),
    });
    if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (opts.resourceVersion) q.set("resourceVersion", opts.resourceVersion);
    const url = new URL(
      this.access.server + (await this.pathOf(apiVersion, kind, opts.namespace)) + "?" + q.toString(),
    );
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = this.bearerToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (opts.signal?.aborted) return;
    await new Promise<void>((resolve, reject) => {
      // A watch holds its connection for minutes: it gets its own socket, not one of the pool's.
      const req = https.request(url, { method: "GET", agent: false, headers, ...this.tlsOptions() }, (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const st = (safeJson(Buffer.concat(chunks).toString("utf8")) ?? {}) as {
              reason?: string;
              message?: string;
            };
            reject(
              new KubeError(
                res.statusCode ?? 0,
                st.reason ?? String(res.statusCode),
                st.message ?? `watch ${url.pathname}: HTTP ${res.statusCode}`,
              ),
            );
          });
          return;
        }
        let buf = "";
        let failed = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let nl: number;
          while (!failed && (nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const ev = safeJson(line) as
              { type: string; object: KubeObject & { code?: number; reason?: string; message?: string } } | undefined;
            if (!ev) continue;
            if (ev.type === "ERROR") {
              failed = true;
              req.destroy();
              reject(
                new KubeError(
                  ev.object.code ?? 500,
                  ev.object.reason ?? "WatchError",
                  ev.object.message ?? "watch error",
                ),
              );
              return;
            }
            const obj = { ...ev.object, apiVersion, kind } as T;
            onEvent({ type: ev.type as WatchEvent["type"], object: obj });
          }
        });
        res.on("end", () => resolve());
        res.on("error", (e) => (opts.signal?.aborted ? resolve() : reject(e)));
      });
      const onAbort = () => {
        req.destroy();
        resolve();
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (e) => (opts.signal?.aborted ? resolve() : reject(e)));
      req.on("close", () => opts.signal?.removeEventListener("abort", onAbort));
      req.end();
    });
  }

  private tlsOptions(): https.RequestOptions {
    return {
      ...(this.access.ca ? { ca: this.access.ca } : {}),
      ...(this.access.cert ? { cert: this.access.cert } : {}),
      ...(this.access.key ? { key: this.access.key } : {}),
      rejectUnauthorized: !this.access.insecureSkipTLSVerify,
    };
  }

  /** Server-side apply: the object as this field manager wants it. Returns the live object. */
  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, opts: ApplyOptions = {}): Promise<T> {
    const path = await this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const q = new URLSearchParams({ fieldManager: opts.fieldManager ?? LATTICE_FIELD_MANAGER });
    if (opts.force ?? true) q.set("force", "true");
    if (opts.dryRun) q.set("dryRun", "All");
    return this.request<T>("PATCH", `${path}?${q}`, obj, "application/apply-patch+yaml");
  }

  /** Server-side apply to the status subresource (for controllers and simulators that own status). */
  async applyStatus<T extends KubeObject = KubeObject>(obj: KubeObject, fieldManager: string): Promise<T> {
    const path = await this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const q = new URLSearchParams({ fieldManager, force: "true" });
    return this.request<T>("PATCH", `${path}/status?${q}`, obj, "application/apply-patch+yaml");
  }

  /** Create an object (fails with 409 if it exists). */
  async create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    return this.request<T>("POST", await this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace), obj);
  }

  /** Delete an object; true if it existed. */
  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    try {
      const body: Record<string, unknown> = {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy: opts.propagationPolicy ?? "Background",
      };
      if (opts.resourceVersion || opts.uid)
        body.preconditions = {
          ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
          ...(opts.uid ? { uid: opts.uid } : {}),
        };
      await this.request("DELETE", await this.pathOf(ref.apiVersion, ref.kind, ref.namespace, ref.name), body);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
