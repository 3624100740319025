// Deterministic object names. Names joined with "." cannot collide with service names (DNS labels
// have no dots); a name too long for Kubernetes keeps a readable prefix and a stable hash.

const MAX_NAME = 253;

/** FNV-1a, 32 bits, as 8 hex digits: small, stable across runtimes, no crypto import in core. */
export function stableHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** parts joined by ".", shortened to a valid object name when longer than 253 characters. */
export function boundedName(parts: readonly string[]): string {
  const full = parts.join(".");
  if (full.length <= MAX_NAME) return full;
  const hash = stableHash(full);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, "")}.${hash}`;
}
