// PersistentVolumeClaim: the storage a volume's owner declares.
import type { KubeObject } from "../object";
import type { NamespacedMeta } from "./meta";

export type AccessMode = "ReadWriteOnce" | "ReadWriteOncePod" | "ReadWriteMany" | "ReadOnlyMany";

export interface PersistentVolumeClaim extends KubeObject {
  apiVersion: "v1";
  kind: "PersistentVolumeClaim";
  metadata: NamespacedMeta;
  spec: {
    accessModes: AccessMode[];
    resources: { requests: { storage: string } };
    storageClassName?: string;
  };
}

/** A claim of `size` with one access mode and an optional storage class. */
export function persistentVolumeClaim(
  metadata: NamespacedMeta,
  claim: { size: string; accessMode: AccessMode; storageClass?: string },
): PersistentVolumeClaim {
  const spec: PersistentVolumeClaim["spec"] = {
    accessModes: [claim.accessMode],
    resources: { requests: { storage: claim.size } },
  };
  if (claim.storageClass !== undefined) spec.storageClassName = claim.storageClass;
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata, spec };
}
