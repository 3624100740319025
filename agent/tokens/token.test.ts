import { createHash } from "node:crypto";
import { TokenError } from "./errors";
import { generateToken, hashToken, isWellFormedToken, sameHash, tokenSecretName, TOKEN_BYTES } from "./token";

describe("bootstrap token values", () => {
  it("carry 256 random bits and are never repeated", () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    expect(new Set(tokens).size).toBe(200);
    for (const t of tokens) {
      expect(isWellFormedToken(t)).toBe(true);
      expect(Buffer.from(t.slice(4), "base64url")).toHaveLength(TOKEN_BYTES);
    }
  });

  it("are stored as SHA-256 only; the record's name is a hash prefix", () => {
    const t = generateToken();
    const h = hashToken(t);
    expect(h).toBe(createHash("sha256").update(t).digest("hex"));
    expect(tokenSecretName(h)).toBe(`lattice-bt-${h.slice(0, 32)}`);
    expect(tokenSecretName(h)).not.toContain(t.slice(4, 12));
    expect(sameHash(h, hashToken(t))).toBe(true);
    expect(sameHash(h, hashToken(generateToken()))).toBe(false);
  });

  it("refuse malformed input before any lookup", () => {
    for (const bad of ["", "lt1.", "lt1.short", `lt2.${"A".repeat(43)}`, `lt1.${"A".repeat(42)}!`])
      expect(isWellFormedToken(bad)).toBe(false);
  });

  it("errors name their cause and never quote the token", () => {
    expect(new TokenError("used")).toMatchObject({ code: "used", message: expect.stringMatching(/single use/) });
    expect(new TokenError("wrong-cluster", 'presented for cluster "c2"').message).toMatch(
      /another cluster \(presented/,
    );
    expect(new TokenError("unknown").message).toMatch(/not known/);
  });
});
