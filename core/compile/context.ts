// What every part of one service's compile shares: its identity, ownership metadata and
// declarations (read once), and the sub-objects shared between services of one compile. Compiled
// objects share these immutable sub-objects instead of copying them (10,000 services name each other
// 100,000 times); callers must treat compiled objects as read-only.
import type { LabelSelector, NamespacedMeta, ServicePortSpec } from "../k8s/builders";
import type { StringMap } from "../k8s/object";
import type { LatticeService } from "../spec";
import { declaredBy, type Declared } from "./declared";
import { CILIUM_NAMESPACE_LABEL, LABELS, ownershipLabels, peerSelector, principalOf, serviceSelector } from "./identity";

/** A peer service as policies name it. */
export interface PeerParts {
  readonly selector: LabelSelector;
  readonly principal: string;
}

/** Peers' selectors and principals, one object per peer (or namespace) for the whole compile; and
 * other sub-objects many services build identically (port lists). */
export class SharedParts {
  private readonly peers = new Map<string, PeerParts>();
  private readonly namespaces = new Map<string, StringMap>();
  private readonly byValue = new Map<string, unknown>();

  constructor(readonly trustDomain: string) {}

  /** One object per distinct `key` (a caller-built description of the value), built once. */
  intern<T>(key: string, build: () => T): T {
    let v = this.byValue.get(key) as T | undefined;
    if (v === undefined) {
      v = build();
      this.byValue.set(key, v);
    }
    return v;
  }

  /** Cilium's matchLabels for "every pod of this namespace". */
  namespaceLabels(namespace: string): StringMap {
    let l = this.namespaces.get(namespace);
    if (!l) {
      l = { [CILIUM_NAMESPACE_LABEL]: namespace };
      this.namespaces.set(namespace, l);
    }
    return l;
  }

  /**
   * Selectors for a sorted list of peers ("namespace/name"): one per namespace, naming one service
   * by matchLabels or several with `lattice.dev/service In [...]`. The same pods as one selector per
   * peer (Cilium ORs a rule's selectors), in a fraction of the bytes.
   */
  selectors(refs: readonly string[]): LabelSelector[] {
    const out: LabelSelector[] = [];
    for (let i = 0; i < refs.length; ) {
      const ref = refs[i] as string;
      const slash = ref.indexOf("/");
      const namespace = ref.slice(0, slash);
      let j = i + 1;
      while (j < refs.length && (refs[j] as string).startsWith(namespace) && (refs[j] as string)[slash] === "/") j++;
      if (j === i + 1) out.push(this.peer(ref).selector);
      else
        out.push({
          matchLabels: this.namespaceLabels(namespace),
          matchExpressions: [{ key: LABELS.service, operator: "In", values: refs.slice(i, j).map((r) => r.slice(slash + 1)) }],
        });
      i = j;
    }
    return out;
  }

  /** The selector and principal of the service "namespace/name". */
  peer(ref: string): PeerParts {
    let p = this.peers.get(ref);
    if (!p) {
      const slash = ref.indexOf("/");
      const namespace = ref.slice(0, slash);
      const name = ref.slice(slash + 1);
      p = { selector: peerSelector(name, namespace), principal: principalOf(name, namespace, this.trustDomain) };
      this.peers.set(ref, p);
    }
    return p;
  }
}

/** One service being compiled. */
export interface ServiceContext {
  readonly name: string;
  readonly namespace: string;
  /** metadata of every object named after the service (ServiceAccount, Deployment, Service, policies). */
  readonly meta: NamespacedMeta;
  /** Ownership labels of every object it owns. */
  readonly ownership: StringMap;
  /** Its pods' selector (Deployment, Service, policy subjects). */
  readonly selector: StringMap;
  readonly declared: Declared;
  /** Its Service ports with defaults applied, in declared order. */
  readonly ports: ServicePortSpec[];
  readonly shared: SharedParts;
}

/** Service ports with defaults applied, in declared order. */
export function servicePortsOf(doc: LatticeService): ServicePortSpec[] {
  const ports = doc.spec.service?.ports;
  const out: ServicePortSpec[] = [];
  if (ports)
    for (const name in ports) {
      const p = ports[name] as NonNullable<(typeof ports)[string]>;
      out.push({ name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? "TCP" });
    }
  return out;
}

export function serviceContext(doc: LatticeService, namespace: string, shared: SharedParts): ServiceContext {
  const name = doc.metadata.name;
  const ownership = ownershipLabels(namespace, name);
  return {
    name,
    namespace,
    meta: { name, namespace, labels: ownership },
    ownership,
    selector: serviceSelector(name),
    declared: declaredBy(doc, namespace),
    ports: servicePortsOf(doc),
    shared,
  };
}
