// Volumes as a service declares them: private (no id, has a size), shared owner (id and size) or
// shared consumer (id only). Names and labels are derived from the declaration alone, so a consumer
// compiles without knowing which service owns the volume.
import type { VolumeDeclaration } from "../spec";

export type VolumeRole = "private" | "owner" | "consumer";

export interface VolumeUse {
  readonly key: string;
  readonly role: VolumeRole;
  readonly id?: string;
  /** The PersistentVolumeClaim the pod mounts. */
  readonly claimName: string;
  readonly decl: VolumeDeclaration;
}

/** The role of one volume declaration. */
export function volumeRole(decl: VolumeDeclaration): VolumeRole {
  if (decl.id === undefined) return "private";
  return decl.params?.size !== undefined ? "owner" : "consumer";
}

/** The claim name: "<service>.<key>" for a private volume (a dot keeps it apart from any id), the id
 * for a shared one. */
export function claimNameOf(service: string, key: string, decl: VolumeDeclaration): string {
  return decl.id === undefined ? `${service}.${key}` : decl.id;
}

/** A quantity as Kubernetes writes it ("1Ti"; numbers become their decimal text). */
export function quantityText(q: string | number): string {
  return typeof q === "number" ? String(q) : q;
}
