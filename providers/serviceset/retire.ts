// The delete of the previous resource model's Membership and Policy resources (their providers are
// retired: nothing creates them since the ServiceSet, but a stack deployed before still holds them,
// and the engine deletes them on its first `up` with the new model). Their objects are then held by
// a ServiceSet too (another Lattice field manager), so deleting the old resource releases them: its
// field manager's entries go, the object stays. An object no other Lattice set holds (its service
// was removed in the same run) is deleted as before, through the same UID-checked path.
import { refOf, type KubeObject } from "../../core/k8s/object";
import { removeObject } from "../objectset/apply";
import { applyOrder } from "../objectset/drift";
import { clientFor } from "../session";

/** Remove or release the objects a retired resource applied with `fieldManager`. */
export async function retire(
  kubeconfig: string,
  fieldManager: string,
  objects: Record<string, KubeObject>,
  uids: Record<string, string> = {},
): Promise<void> {
  const c = clientFor(kubeconfig);
  for (const key of applyOrder(Object.keys(objects), objects).reverse())
    await removeObject(c, refOf(objects[key]!), fieldManager, uids[key], true);
}
