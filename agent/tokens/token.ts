// Bootstrap tokens as values: 256 random bits, shown once to the caller who issues them, stored
// only as their SHA-256. The Secret holding a token's record is named after a prefix of the hash,
// so redemption is one GET by name (no list, no scan) and the name reveals nothing usable.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Version prefix: lets a later format be told apart (and makes tokens easy to spot in a leak scan). */
export const TOKEN_PREFIX = "lt1.";
/** Random bytes per token (256 bits). */
export const TOKEN_BYTES = 32;

const WELL_FORMED = /^lt1\.[A-Za-z0-9_-]{43}$/;

/** A new token. The only time its clear value exists outside the redeeming node. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString("base64url");
}

/** True when s has the shape of a token (checked before any API call). */
export function isWellFormedToken(s: string): boolean {
  return WELL_FORMED.test(s);
}

/** SHA-256 of the token, hex. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The Secret that records a token: 128 bits of its hash. */
export function tokenSecretName(hash: string): string {
  return `lattice-bt-${hash.slice(0, 32)}`;
}
