// Kubernetes Events as searchable text, for leak checks: a secret must appear in no Event's message,
// note, reason, annotations or involved object — whichever component recorded it (the API server,
// a controller, the cell). Both APIs are read (core v1 and events.k8s.io/v1 serve the same objects
// with different fields), across every namespace.
import type { KubeClient } from "../../kube/client";

/** Every Event in the cluster, each as its full JSON, one per line. */
export async function eventsText(client: KubeClient): Promise<string> {
  const [core, events] = await Promise.all([client.list("v1", "Event"), client.list("events.k8s.io/v1", "Event")]);
  return [...core, ...events].map((e) => JSON.stringify(e)).join("\n");
}
