// External endpoints: "https://api.stripe.com:443", "tcp://db.example.com:5432", "tcp://10.0.0.0/24:5432",
// "10.1.2.3:5432". One parser, used by the schema (to reject) and the compiler (to emit toFQDNs/toCIDR).
import { formatPrefix, parseCidr, parseIp, type IpPrefix } from "./net";

/** What an endpoint names: an exact host, a wildcard host, or addresses. */
export type EndpointTarget =
  | { readonly kind: "host"; readonly host: string }
  | { readonly kind: "wildcard"; readonly pattern: string }
  | { readonly kind: "cidr"; readonly cidr: string; readonly prefix: IpPrefix };

/** A parsed endpoint: the protocol the mesh sees, the port and the target. */
export interface Endpoint {
  readonly scheme: "http" | "https" | "tcp";
  readonly port: number;
  readonly target: EndpointTarget;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;
const HOST = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
// Lattice never opens egress to a large part of the internet: prefixes shorter than these are refused.
const MIN_PREFIX = { 4: 8, 6: 16 } as const;

const FORMS =
  'expected "https://host[:port]", "http://host[:port]", "tcp://host:port" or an address/CIDR with a port ("tcp://10.0.0.0/24:5432")';

type Parsed = { ok: true; endpoint: Endpoint } | { ok: false; error: string };

/** Parse one endpoint string; the error says which form was expected. */
export function parseEndpoint(raw: string): Parsed {
  const fail = (why: string): Parsed => ({ ok: false, error: why });
  const sm = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(raw);
  let scheme: Endpoint["scheme"] = "tcp";
  let rest = raw;
  if (sm) {
    const s = (sm[1] ?? "").toLowerCase();
    if (s !== "http" && s !== "https" && s !== "tcp") return fail(`unsupported scheme "${sm[1]}" (${FORMS})`);
    scheme = s;
    rest = (sm[2] ?? "").replace(/\/$/, "");
  }

  // [v6] or [v6/len], then v4/len, then a name or address; each with an optional :port.
  const hp =
    /^\[([^\]]*)\](?::([^/?#]*))?$/.exec(rest) ??
    /^([0-9.]+\/[0-9]+)(?::([^/?#]*))?$/.exec(rest) ??
    /^([^:/?#[\]]*)(?::([^/?#]*))?$/.exec(rest);
  if (!hp) return fail(`an endpoint is a host and a port; paths and queries cannot be enforced at L4 (${FORMS})`);
  const hostText = hp[1] ?? "";
  const portText = hp[2];
  let port: number;
  if (portText === undefined) {
    if (scheme === "tcp") return fail(`a tcp endpoint needs a port (${FORMS})`);
    port = DEFAULT_PORT[scheme];
  } else {
    if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65535)
      return fail(`invalid port "${portText}" (expected 1-65535)`);
    port = Number(portText);
  }
  if (hostText === "") return fail(`missing host (${FORMS})`);

  const prefix = hostText.includes("/") ? parseCidr(hostText) : parseIp(hostText);
  if (prefix) {
    if (prefix.prefix < MIN_PREFIX[prefix.family])
      return fail(
        `${formatPrefix(prefix)} is too broad: Lattice never opens egress to large parts of the internet (use /${MIN_PREFIX[prefix.family]} or longer)`,
      );
    return { ok: true, endpoint: { scheme, port, target: { kind: "cidr", cidr: formatPrefix(prefix), prefix } } };
  }
  if (hostText.includes("/")) return fail(`invalid CIDR "${hostText}" (address bits beyond the prefix must be zero)`);
  const host = hostText.toLowerCase();
  if (host.startsWith("*.")) {
    const base = host.slice(2);
    if (!HOST.test(base) || !base.includes("."))
      return fail(`invalid wildcard host "${hostText}" (expected "*.example.com")`);
    return { ok: true, endpoint: { scheme, port, target: { kind: "wildcard", pattern: host } } };
  }
  if (/^[0-9.]+$/.test(host) || !HOST.test(host)) return fail(`invalid host "${hostText}" (${FORMS})`);
  return { ok: true, endpoint: { scheme, port, target: { kind: "host", host } } };
}
