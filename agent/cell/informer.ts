// A minimal informer: list, then watch from the list's resourceVersion, forever. Re-watches when the
// server ends a watch, re-lists (reporting objects that vanished meanwhile as deleted) when the
// resourceVersion expired (410) or the connection failed. start() resolves after the first list,
// so a consumer knows its cache is complete before it acts on it. Lists are read in pages (500
// objects), and the informer keeps of each object only what `retain` makes of it, so ten thousand
// objects cost a consumer what it needs of them, not their JSON.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { Logger } from "../log";
import { sleepUnlessAborted } from "../runtime";

/** Callbacks; exceptions in them are logged, never break the loop. */
export interface InformerHandlers<T, R = T> {
  upsert(obj: T): void;
  /** The object is gone; `kept` is what `retain` made of its last version. */
  remove(kept: R): void;
}

interface Meta {
  metadata: { uid?: string; resourceVersion?: string; name: string };
}

/** Objects per list page. */
const PAGE = 500;

/** Keeps handlers in step with one kind in one namespace. */
export class Informer<T extends KubeObject & Meta, R = T> {
  private readonly known = new Map<string, R>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly kube: KubeClient,
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly namespace: string,
    private readonly handlers: InformerHandlers<T, R>,
    private readonly log: Logger,
    /** What to keep of each object for remove() (default: the object). */
    private readonly retain: (obj: T) => R = (o) => o as unknown as R,
  ) {}

  /** Resolves once the first list is delivered; then keeps watching in the background. */
  async start(): Promise<void> {
    const rv = await this.relist();
    this.loop = this.run(rv);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(resourceVersion: string): Promise<void> {
    let rv = resourceVersion;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        await this.kube.watch<T>(
          this.apiVersion,
          this.kind,
          { namespace: this.namespace, resourceVersion: rv, signal: this.abort.signal },
          (e) => {
            rv = e.object.metadata.resourceVersion ?? rv;
            if (e.type === "BOOKMARK") return;
            if (e.type === "DELETED") this.deliverRemove(key(e.object), this.retain(e.object));
            else this.deliverUpsert(e.object);
          },
        );
        failures = 0;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        failures++;
        if (!(e instanceof KubeError && e.status === 410)) {
          this.log.warn("watch failed; re-listing", { kind: this.kind, error: e as Error });
          await sleepUnlessAborted(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), this.abort.signal);
        }
        try {
          rv = await this.relist();
        } catch (le) {
          this.log.warn("list failed", { kind: this.kind, error: le as Error });
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const base = await this.kube.pathOf(this.apiVersion, this.kind, this.namespace);
    const seen = new Set<string>();
    let resourceVersion = "";
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (cont) q.set("continue", cont);
      const page = await this.kube.request<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>(
        "GET",
        `${base}?${q}`,
      );
      // Every page of one list is read at the first page's resourceVersion.
      resourceVersion ||= page.metadata.resourceVersion;
      for (const item of page.items) {
        const obj = { ...item, apiVersion: this.apiVersion, kind: this.kind };
        seen.add(key(obj));
        this.deliverUpsert(obj);
      }
      cont = page.metadata.continue || undefined;
    } while (cont);
    for (const [k, kept] of this.known) if (!seen.has(k)) this.deliverRemove(k, kept);
    return resourceVersion;
  }

  private deliverUpsert(obj: T): void {
    this.known.set(key(obj), this.retain(obj));
    try {
      this.handlers.upsert(obj);
    } catch (e) {
      this.log.error("informer handler failed", { kind: this.kind, name: obj.metadata.name, error: e as Error });
    }
  }

  private deliverRemove(k: string, kept: R): void {
    this.known.delete(k);
    try {
      this.handlers.remove(kept);
    } catch (e) {
      this.log.error("informer handler failed", { kind: this.kind, key: k, error: e as Error });
    }
  }
}

const key = (o: Meta) => o.metadata.uid ?? o.metadata.name;
