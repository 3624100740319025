// What one service declares, read in a single pass over spec.resources: the services it calls and
// admits, the external services it calls (as intent labels) and its volumes. Sorted and
// de-duplicated, so output never depends on the order of declarations.
//
// compileAll has already resolved every service declaration while building the agreement graph
// (one object per named service, numbered in ref order); it hands those peers in (ResolvedPeers)
// instead of having each service rebuild and sort "namespace/name" strings a second time.
import type { PeerRef, ResolvedPeers } from "../graph";
import type { LatticeService } from "../spec";
import { egressIntentLabel } from "./identity";
import { claimNameOf, volumeRole, type VolumeUse } from "./volumes";

export type { PeerRef, ResolvedPeers };

export interface Declared {
  /** Every service declared outbound, sorted by ref. */
  readonly callees: readonly PeerRef[];
  /** Every service declared inbound, sorted by ref. */
  readonly callers: readonly PeerRef[];
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

function byRef(a: PeerRef, b: PeerRef): number {
  return a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0;
}

/** Peers sorted by ref, each once. */
function sortedPeers(xs: PeerRef[]): PeerRef[] {
  xs.sort(byRef);
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || (xs[i] as PeerRef).ref !== (xs[i - 1] as PeerRef).ref) xs[n++] = xs[i] as PeerRef;
  xs.length = n;
  return xs;
}

/** Read a service's declarations once. `resolved`, when given, holds its service peers as the graph
 * resolved them (the same peers, already sorted); only external services and volumes are read here,
 * and only when the graph saw some. */
export function declaredBy(doc: LatticeService, namespace: string, resolved?: ResolvedPeers): Declared {
  const callees: PeerRef[] = [];
  const callers: PeerRef[] = [];
  const externals: string[] = [];
  const volumes: VolumeUse[] = [];
  const resources = resolved?.onlyServices ? undefined : doc.spec.resources;
  if (resources)
    for (const key in resources) {
      const r = resources[key];
      if (!r) continue;
      switch (r.type) {
        case "service": {
          if (resolved) break;
          const ns = r.namespace ?? namespace;
          const name = r.id ?? key;
          (r.direction === "outbound" ? callees : callers).push({ ref: `${ns}/${name}`, namespace: ns, name });
          break;
        }
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
  if (volumes.length > 1) volumes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    callees: resolved ? resolved.callees : sortedPeers(callees),
    callers: resolved ? resolved.callers : sortedPeers(callers),
    externals: externals.length > 1 ? sortedUnique(externals) : externals,
    volumes,
  };
}
