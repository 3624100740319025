// The cell's namespace must exist before the CA, tokens or commands can be stored in it.
import { KubeError, type KubeClient } from "../../kube/client";

/** Create the namespace if it does not exist (never changes an existing one). */
export async function ensureNamespace(kube: KubeClient, name: string): Promise<void> {
  if (await kube.getOrUndefined({ apiVersion: "v1", kind: "Namespace", name })) return;
  try {
    await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
  }
}
