// What every part of one service's compile shares: its identity, ownership metadata and
// declarations (read once), and the sub-objects shared between services of one compile. Compiled
// objects share these immutable sub-objects instead of copying them (10,000 services name each other
// 100,000 times); callers must treat compiled objects as read-only.
import type {
  AuthorizationRule,
  CiliumPortRule,
  ContainerPort,
  LabelSelector,
  NamespacedMeta,
  ServicePortSpec,
} from "../k8s/builders";
import type { StringMap } from "../k8s/object";
import type { LatticeService } from "../spec";
import { declaredBy, type Declared, type PeerRef, type ResolvedPeers } from "./declared";
import {
  CILIUM_NAMESPACE_LABEL,
  LABELS,
  ownershipLabels,
  peerSelector,
  principalPrefix,
  serviceAccountName,
  serviceSelector,
} from "./identity";

/** What a callee's policies say about its ports: the Cilium ingress ports and the Istio `to`
 * (computed by service-policy.ts, cached on the PortSet). */
export interface PortRules {
  readonly toPorts: CiliumPortRule[];
  readonly to: AuthorizationRule["to"];
}

/** A service's ports in every form its objects use: one object per distinct `spec.service.ports`
 * in a compile (most services of a set declare the same few). */
export interface PortSet {
  /** "name:port:targetPort/protocol," per port: the value, as a key. */
  readonly key: string;
  /** Service ports with defaults applied, in declared order. */
  readonly service: ServicePortSpec[];
  /** The same ports as container ports (declared on the first container). */
  readonly container: ContainerPort[];
  /** What the service's policies make of them, once computed (service-policy.ts). */
  policyRules: PortRules | undefined;
}

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
  private readonly portSets = new Map<string, PortSet>();
  private readonly principalPrefixes = new Map<string, string>();

  /** `resolved`: each service document's peers as compileAll's graph resolved them. */
  constructor(
    readonly trustDomain: string,
    private readonly resolved?: ReadonlyMap<LatticeService, ResolvedPeers>,
  ) {}

  /** The peers of a service document, when the set's graph resolved them. */
  peersOf(doc: LatticeService): ResolvedPeers | undefined {
    return this.resolved?.get(doc);
  }

  /** The ports a service declares, shared with every service declaring the same. */
  portSet(doc: LatticeService): PortSet {
    // The key is the ports with servicePortsOf's defaults, read straight from the document: the
    // arrays are built only for a set not seen before.
    const ports = doc.spec.service?.ports;
    let key = "";
    if (ports)
      for (const name in ports) {
        const p = ports[name] as NonNullable<(typeof ports)[string]>;
        key += `${name}:${p.port}:${p.targetPort ?? p.port}/${p.protocol ?? "TCP"},`;
      }
    let set = this.portSets.get(key);
    if (!set) {
      const service = servicePortsOf(doc);
      const container: ContainerPort[] = [];
      for (let i = 0; i < service.length; i++) {
        const p = service[i] as ServicePortSpec;
        container.push({ name: p.name, containerPort: p.targetPort, protocol: p.protocol });
      }
      set = { key, service, container, policyRules: undefined };
      this.portSets.set(key, set);
    }
    return set;
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
   * Selectors for a list of peers sorted by ref: one per namespace, naming one service by
   * matchLabels or several with `lattice.dev/service In [...]`. The same pods as one selector per
   * peer (Cilium ORs a rule's selectors), in a fraction of the bytes. Sorted by ref, a namespace's
   * peers are adjacent ("ns/" is a prefix of each of their refs and of nothing in between).
   */
  selectors(peers: readonly PeerRef[]): LabelSelector[] {
    const out: LabelSelector[] = [];
    for (let i = 0; i < peers.length;) {
      const first = peers[i] as PeerRef;
      const namespace = first.namespace;
      let j = i + 1;
      while (j < peers.length && (peers[j] as PeerRef).namespace === namespace) j++;
      if (j === i + 1) out.push(this.peer(first).selector);
      else {
        const values: string[] = [];
        for (let k = i; k < j; k++) values.push((peers[k] as PeerRef).name);
        out.push({
          matchLabels: this.namespaceLabels(namespace),
          matchExpressions: [{ key: LABELS.service, operator: "In", values }],
        });
      }
      i = j;
    }
    return out;
  }

  /** The selector and principal of a peer service. */
  peer(p: PeerRef): PeerParts {
    let parts = this.peers.get(p.ref);
    if (!parts) {
      // principalOf, with the namespace's prefix built once (one string per principal, not four).
      let prefix = this.principalPrefixes.get(p.namespace);
      if (prefix === undefined)
        this.principalPrefixes.set(p.namespace, (prefix = principalPrefix(p.namespace, this.trustDomain)));
      parts = { selector: peerSelector(p.name, p.namespace), principal: prefix + serviceAccountName(p.name) };
      this.peers.set(p.ref, parts);
    }
    return parts;
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
  /** Its Service ports with defaults applied, in declared order (= portSet.service). */
  readonly ports: ServicePortSpec[];
  readonly portSet: PortSet;
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
  const portSet = shared.portSet(doc);
  return {
    name,
    namespace,
    meta: { name, namespace, labels: ownership },
    ownership,
    selector: serviceSelector(name),
    declared: declaredBy(doc, namespace, shared.peersOf(doc)),
    ports: portSet.service,
    portSet,
    shared,
  };
}
