// What one service declares, read in a single pass over spec.resources: the services it calls and
// admits, the external services it calls (as intent labels) and its volumes. Sorted and
// de-duplicated, so output never depends on the order of declarations.
//
// compileAll has already resolved every service declaration while building the agreement graph
// (one object per named service, numbered in ref order); it hands those peers in (ResolvedPeers)
// instead of having each service rebuild and sort "namespace/name" strings a second time.
import type { PeerRef, ResolvedPeers } from "../graph";
import type { LatticeService } from "../spec";
import { egressIntentLabel, refString } from "./identity";
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

/** `xs` sorted by `key`, each key once (in place). */
function sortedUnique<T>(xs: T[], key: (x: T) => string): T[] {
  xs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || key(xs[i] as T) !== key(xs[i - 1] as T)) xs[n++] = xs[i] as T;
  xs.length = n;
  return xs;
}

const refOf = (p: PeerRef) => p.ref;
const itself = (s: string) => s;

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
          (r.direction === "outbound" ? callees : callers).push({ ref: refString(ns, name), namespace: ns, name });
          break;
        }
        case "external-service":
          externals.push(egressIntentLabel(r.namespace ?? namespace, r.id ?? key));
          break;
        case "volume": {
          const use: VolumeUse = {
            key,
            role: volumeRole(r),
            claimName: claimNameOf(doc.metadata.name, key, r),
            decl: r,
          };
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
    callees: resolved ? resolved.callees : sortedUnique(callees, refOf),
    callers: resolved ? resolved.callers : sortedUnique(callers, refOf),
    externals: externals.length > 1 ? sortedUnique(externals, itself) : externals,
    volumes,
  };
}
