// IP addresses and CIDRs, parsed without I/O. Used by the spec (external endpoints, cluster address
// pools), by the compiler (toCIDR) and by the policy evaluator (does a CIDR contain an address).

/** An address or prefix as its family and bytes (4 for IPv4, 16 for IPv6). */
export interface IpPrefix {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
  readonly prefix: number;
}

/** Parse dotted-quad IPv4 ("10.0.0.1"); undefined when it is not one. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Parse IPv6 ("2001:db8::1", no zone, no embedded IPv4); undefined when it is not one. */
export function parseIPv6(s: string): number[] | undefined {
  if (s.length > 45 || !/^[0-9a-fA-F:]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === "") return [];
    const gs = h.split(":");
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0] ?? "");
  const tail = halves.length === 2 ? group(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes: number[] = [];
  for (const w of words) bytes.push(w >> 8, w & 0xff);
  return bytes;
}

/** Parse an address ("10.0.0.1", "2001:db8::1") as a full-length prefix. */
export function parseIp(s: string): IpPrefix | undefined {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, prefix: 32 };
  const v6 = parseIPv6(s);
  if (v6) return { family: 6, bytes: v6, prefix: 128 };
  return undefined;
}

/** Parse "10.0.0.0/8" or "2001:db8::/32"; host bits must be zero (Cilium rejects them otherwise). */
export function parseCidr(s: string): IpPrefix | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseIp(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (!addr || !/^(0|[1-9][0-9]{0,2})$/.test(len)) return undefined;
  const prefix = Number(len);
  if (prefix > addr.prefix) return undefined;
  if (!hostBitsZero(addr.bytes, prefix)) return undefined;
  return { family: addr.family, bytes: addr.bytes, prefix };
}

function hostBitsZero(bytes: readonly number[], prefix: number): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if (((bytes[i] ?? 0) & ~mask & 0xff) !== 0) return false;
  }
  return true;
}

/** Whether `net` contains the address `ip` (same family, first `net.prefix` bits equal). */
export function prefixContains(net: IpPrefix, ip: IpPrefix): boolean {
  if (net.family !== ip.family || ip.prefix < net.prefix) return false;
  for (let i = 0; i * 8 < net.prefix; i++) {
    const keep = Math.min(8, net.prefix - i * 8);
    const mask = (0xff << (8 - keep)) & 0xff;
    if (((net.bytes[i] ?? 0) & mask) !== ((ip.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Canonical text of a prefix: "10.0.0.0/8", "2001:db8::/32" (lower-case, compressed). */
export function formatPrefix(p: IpPrefix): string {
  return `${formatAddress(p)}/${p.prefix}`;
}

/** Canonical text of an address (ignores the prefix length). */
export function formatAddress(p: IpPrefix): string {
  if (p.family === 4) return p.bytes.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((p.bytes[i] ?? 0) << 8) | (p.bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (≥ 2) of zero words.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
