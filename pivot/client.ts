// The mover's Kubernetes client: kube/client.ts with every mutating request counted (and the test
// fault injected) by a MutationCounter shared by both clusters, and attributed to the field manager
// "lattice-pivot" (whose managedFields entries must all be gone when a pivot ends).
import { KubeClient } from "../kube/client";
import { loadKubeconfig, type ClusterAccess } from "../kube/kubeconfig";
import { PIVOT } from "../core/pivot/model";
import { MutationCounter } from "./fault";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A KubeClient whose writes go through the counter. */
export class PivotKube extends KubeClient {
  constructor(
    access: ClusterAccess,
    readonly counter: MutationCounter,
    readonly label: string,
  ) {
    super(access);
  }

  /** A client from a kubeconfig path or content. */
  static open(kubeconfig: string, counter: MutationCounter, label: string): PivotKube {
    return new PivotKube(loadKubeconfig(kubeconfig), counter, label);
  }

  override async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    if (!MUTATING.has(method)) return super.request<T>(method, path, body, contentType);
    let p = path;
    if (method !== "DELETE" && !/[?&]fieldManager=/.test(p))
      p += `${p.includes("?") ? "&" : "?"}fieldManager=${PIVOT.fieldManager}`;
    return this.counter.around(
      () => `${method} ${this.label}${path.split("?")[0]}`,
      () => super.request<T>(method, p, body, contentType),
    );
  }
}
