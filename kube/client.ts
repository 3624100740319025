// A small Kubernetes REST client: the one I/O path from Lattice (providers, cell, CLI, test
// harness) to API servers. It speaks JSON over HTTPS with the kubeconfig's credentials, resolves
// kinds through core/k8s/kinds.ts and falls back to API discovery for kinds it does not list.
// Writes are server-side apply with a named field manager; errors keep the server's status.
import * as https from "node:https";
import { apiVersionOf, KINDS, type KindInfo } from "../core/k8s/kinds";
import type { KubeObject, ObjectRef } from "../core/k8s/object";
import { loadKubeconfig, type ClusterAccess } from "./kubeconfig";

/** The field manager Lattice applies with, unless a caller names another. */
export const LATTICE_FIELD_MANAGER = "lattice";

/** A failed API call: HTTP status, the server's reason and message, and field causes if any. */
export class KubeError extends Error {
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

export interface ApplyOptions { fieldManager?: string; force?: boolean; dryRun?: boolean }
export interface ListOptions { namespace?: string; labelSelector?: string }
export interface DeleteOptions { propagationPolicy?: "Foreground" | "Background" | "Orphan" }

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

  /** One HTTP call; JSON in and out. Throws KubeError for any status >= 400. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const url = new URL(this.access.server + path);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = contentType;
    if (this.access.token) headers.Authorization = `Bearer ${this.access.token}`;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(url, { method, agent: this.agent, headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    const parsed = text ? safeJson(text) : undefined;
    if (status >= 400) {
      const st = (parsed ?? {}) as { reason?: string; message?: string; details?: { causes?: { field?: string; message?: string }[] } };
      throw new KubeError(status, st.reason ?? String(status), st.message ?? `${method} ${path}: HTTP ${status} ${text.slice(0, 200)}`, st.details?.causes ?? []);
    }
    return parsed as T;
  }

  /** The kind's row: from the table, else from discovery (cached). */
  async resolve(apiVersion: string, kind: string): Promise<KindInfo> {
    const key = `${apiVersion}/${kind}`;
    const known = KINDS.get(key) ?? this.discovered.get(key);
    if (known) return known;
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") as [string, string] : ["", apiVersion];
    const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
      "GET", group ? `/apis/${group}/${version}` : `/api/${version}`);
    for (const r of list.resources) {
      if (r.name.includes("/")) continue; // subresources
      this.discovered.set(`${apiVersion}/${r.kind}`, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
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
  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<T[]> {
    const q = opts.labelSelector ? `?labelSelector=${encodeURIComponent(opts.labelSelector)}` : "";
    const res = await this.request<{ items: T[] }>("GET", (await this.pathOf(apiVersion, kind, opts.namespace)) + q);
    // Lists omit apiVersion/kind on items; put them back so callers can treat items as objects.
    return res.items.map((i) => ({ ...i, apiVersion, kind }));
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
      const body = { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: opts.propagationPolicy ?? "Background" };
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
