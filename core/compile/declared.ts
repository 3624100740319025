// What one service declares, read in a single pass over spec.resources: the services it calls and
// admits (as "namespace/name" keys), the external services it calls (as intent labels) and its
// volumes. Sorted and de-duplicated, so output never depends on the order of declarations.
import type { LatticeService } from "../spec";
import { egressIntentLabel } from "./identity";
import { claimNameOf, volumeRole, type VolumeUse } from "./volumes";

export interface Declared {
  /** "namespace/name" of every service declared outbound. */
  readonly callees: readonly string[];
  /** "namespace/name" of every service declared inbound. */
  readonly callers: readonly string[];
  /** The intent label of every external service declared outbound. */
  readonly externals: readonly string[];
  /** Volumes, by key. */
  readonly volumes: readonly VolumeUse[];
}

function sortedUnique(xs: string[]): string[] {
  xs.sort();
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) xs[n++] = xs[i] as string;
  xs.length = n;
  return xs;
}

/** Read a service's declarations once. */
export function declaredBy(doc: LatticeService, namespace: string): Declared {
  const callees: string[] = [];
  const callers: string[] = [];
  const externals: string[] = [];
  const volumes: VolumeUse[] = [];
  const resources = doc.spec.resources;
  if (resources)
    for (const key in resources) {
      const r = resources[key];
      if (!r) continue;
      switch (r.type) {
        case "service":
          (r.direction === "outbound" ? callees : callers).push(`${r.namespace ?? namespace}/${r.id ?? key}`);
          break;
        case "external-service":
          externals.push(egressIntentLabel(r.namespace ?? namespace, r.id ?? key));
          break;
        case "volume": {
          const use: VolumeUse = { key, role: volumeRole(r), claimName: claimNameOf(doc.metadata.name, key, r), decl: r };
          volumes.push(r.id === undefined ? use : { ...use, id: r.id });
          break;
        }
        default: {
          const never: never = r;
          throw new Error(`unhandled resource type ${JSON.stringify(never)}`);
        }
      }
    }
  volumes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { callees: sortedUnique(callees), callers: sortedUnique(callers), externals: sortedUnique(externals), volumes };
}
