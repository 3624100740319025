// A minimal informer: list, then watch from the list's resourceVersion, forever. Re-watches when the
// server ends a watch, re-lists (reporting objects that vanished meanwhile as deleted) when the
// resourceVersion expired (410) or the connection failed. start() resolves after the first list,
// so a consumer knows its cache is complete before it acts on it.
import { KubeError, type KubeClient } from "../../kube/client";
import type { KubeObject } from "../../core/k8s/object";
import type { Logger } from "../log";

/** Callbacks; exceptions in them are logged, never break the loop. */
export interface InformerHandlers<T> {
  upsert(obj: T): void;
  remove(obj: T): void;
}

interface Meta {
  metadata: { uid?: string; resourceVersion?: string; name: string };
}

/** Keeps handlers in step with one kind in one namespace. */
export class Informer<T extends KubeObject & Meta> {
  private readonly known = new Map<string, T>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly kube: KubeClient,
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly namespace: string,
    private readonly handlers: InformerHandlers<T>,
    private readonly log: Logger,
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
            if (e.type === "DELETED") this.deliverRemove(e.object);
            else this.deliverUpsert(e.object);
          },
        );
        failures = 0;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        failures++;
        if (!(e instanceof KubeError && e.status === 410)) {
          this.log.warn("watch failed; re-listing", { kind: this.kind, error: e as Error });
          await sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), this.abort.signal);
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
    const { items, resourceVersion } = await this.kube.listWithVersion<T>(this.apiVersion, this.kind, {
      namespace: this.namespace,
    });
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(key(obj));
      this.deliverUpsert(obj);
    }
    for (const [k, obj] of this.known) if (!seen.has(k)) this.deliverRemove(obj);
    return resourceVersion;
  }

  private deliverUpsert(obj: T): void {
    this.known.set(key(obj), obj);
    try {
      this.handlers.upsert(obj);
    } catch (e) {
      this.log.error("informer handler failed", { kind: this.kind, name: obj.metadata.name, error: e as Error });
    }
  }

  private deliverRemove(obj: T): void {
    this.known.delete(key(obj));
    try {
      this.handlers.remove(obj);
    } catch (e) {
      this.log.error("informer handler failed", { kind: this.kind, name: obj.metadata.name, error: e as Error });
    }
  }
}

const key = (o: Meta) => o.metadata.uid ?? o.metadata.name;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
