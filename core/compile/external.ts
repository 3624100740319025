// An external service's half of its agreements: egress to its endpoints for each allowed requester,
// and a ServiceEntry per endpoint.
//
// The requester's half is an intent label on its own pods (`<ns>.egress.lattice.dev/<name>: "true"`),
// written by the requester's compile from its `type: external-service` declaration (workload.ts). The
// policy below selects pods that carry BOTH the requester's identity label and that intent label, so:
//   - requester listed here but not declaring the call → its pods lack the label → nothing selects them;
//   - requester declaring the call but not listed here  → no policy names it → default deny.
// Each side still compiles only from its own document, so this works across namespaces and stacks
// like service-to-service agreements. A requester in another namespace needs a cluster-wide policy
// (a namespaced one can only select pods of its own namespace); it names the requester's namespace.
import {
  ciliumClusterwideNetworkPolicy,
  ciliumNetworkPolicy,
  serviceEntry,
  type CiliumEgressRule,
  type ServiceEntryPort,
} from "../k8s/builders";
import type { KubeObject, StringMap } from "../k8s/object";
import { parseEndpoint, requestersOf, type Endpoint, type LatticeExternalService } from "../spec";
import { CILIUM_NAMESPACE_LABEL, EGRESS_INTENT_VALUE, LABELS, egressIntentLabel } from "./identity";
import { boundedName } from "./names";

/** An allowed requester as namespace and name. */
export interface Requester {
  readonly namespace: string;
  readonly name: string;
}

/** The requesters of an external service, resolved against its namespace (sorted, unique). */
export function resolveRequesters(doc: LatticeExternalService, namespace: string): Requester[] {
  const seen = new Set<string>();
  const out: Requester[] = [];
  for (const r of requestersOf(doc)) {
    const slash = r.indexOf("/");
    const req = slash < 0 ? { namespace, name: r } : { namespace: r.slice(0, slash), name: r.slice(slash + 1) };
    const k = `${req.namespace}/${req.name}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(req);
    }
  }
  return out.sort((a, b) =>
    a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** The parsed endpoints, sorted by name. The document is validated, so every endpoint parses. */
export function endpointsOf(doc: LatticeExternalService): Array<{ name: string; endpoint: Endpoint }> {
  return Object.keys(doc.spec.endpoints)
    .sort()
    .map((name) => {
      const r = parseEndpoint(doc.spec.endpoints[name] as string);
      if (!r.ok)
        throw new Error(
          `endpoint ${name} of ${doc.metadata.name} is invalid (${r.error}): validate documents before compiling`,
        );
      return { name, endpoint: r.endpoint };
    });
}

function egressRule(e: Endpoint): CiliumEgressRule {
  const toPorts = [{ ports: [{ port: String(e.port), protocol: "TCP" as const }] }];
  switch (e.target.kind) {
    case "host":
      return { toFQDNs: [{ matchName: e.target.host }], toPorts };
    case "wildcard":
      return { toFQDNs: [{ matchPattern: e.target.pattern }], toPorts };
    case "cidr":
      return { toCIDR: [e.target.cidr], toPorts };
    default: {
      const never: never = e.target;
      throw new Error(`unhandled endpoint target ${JSON.stringify(never)}`);
    }
  }
}

const SE_PROTOCOL: { readonly [S in Endpoint["scheme"]]: ServiceEntryPort["protocol"] } = {
  http: "HTTP",
  // The caller speaks TLS end to end; the mesh sees (and may route on SNI of) TLS, not HTTPS.
  https: "TLS",
  tcp: "TCP",
};

/** Compile an external service's egress policies and ServiceEntries (unsorted). */
export function compileExternalService(
  doc: LatticeExternalService,
  namespace: string,
  ownership: StringMap,
): KubeObject[] {
  const name = doc.metadata.name;
  const endpoints = endpointsOf(doc);
  const requesters = resolveRequesters(doc, namespace);
  const intent = egressIntentLabel(namespace, name);
  // Shared by every requester's policy: built once, never mutated.
  const egress = endpoints.map((e) => egressRule(e.endpoint));
  const out: KubeObject[] = [];

  for (const r of requesters) {
    const description = `Lattice: egress from ${r.namespace}/${r.name} to external service ${namespace}/${name}, for pods that also declare it (label ${intent})`;
    if (r.namespace === namespace) {
      out.push(
        ciliumNetworkPolicy(
          { name: `${name}.egress.${r.name}`, namespace, labels: ownership },
          {
            description,
            endpointSelector: { matchLabels: { [LABELS.service]: r.name, [intent]: EGRESS_INTENT_VALUE } },
            egress,
          },
        ),
      );
    } else {
      out.push(
        ciliumClusterwideNetworkPolicy(
          { name: boundedName([namespace, name, "egress", r.namespace, r.name]), labels: ownership },
          {
            description,
            endpointSelector: {
              matchLabels: {
                [CILIUM_NAMESPACE_LABEL]: r.namespace,
                [LABELS.service]: r.name,
                [intent]: EGRESS_INTENT_VALUE,
              },
            },
            egress,
          },
        ),
      );
    }
  }

  const exportTo = [".", ...[...new Set(requesters.map((r) => r.namespace))].filter((n) => n !== namespace).sort()];
  for (const { name: ep, endpoint: e } of endpoints) {
    const port: ServiceEntryPort = { number: e.port, name: `${e.scheme}-${e.port}`, protocol: SE_PROTOCOL[e.scheme] };
    const t = e.target;
    const spec: Parameters<typeof serviceEntry>[1] =
      t.kind === "host"
        ? { hosts: [t.host], ports: [port], location: "MESH_EXTERNAL", resolution: "DNS", exportTo }
        : t.kind === "wildcard"
          ? { hosts: [t.pattern], ports: [port], location: "MESH_EXTERNAL", resolution: "NONE", exportTo }
          : // An address has no name; the host is a stable made-up one, the addresses carry the meaning.
            {
              hosts: [`${ep}.${name}.${namespace}.lattice.external`],
              addresses: [t.cidr],
              ports: [port],
              location: "MESH_EXTERNAL",
              resolution: "NONE",
              exportTo,
            };
    out.push(serviceEntry({ name: `${name}.${ep}`, namespace, labels: ownership }, spec));
  }
  return out;
}
