// Why a token was refused. The bootstrap endpoint answers every refusal the same way (no oracle
// for probing tokens) and logs the code; messages are safe to log: they never contain the token.

/** The refusal reasons. */
export type TokenErrorCode = "malformed" | "unknown" | "expired" | "used" | "wrong-cluster";

const MESSAGE: Readonly<Record<TokenErrorCode, string>> = {
  malformed: "the bootstrap token is malformed",
  unknown: "the bootstrap token is not known to this cell",
  expired: "the bootstrap token has expired: issue a new one",
  used: "the bootstrap token was already used: tokens are single use, issue a new one",
  "wrong-cluster": "the bootstrap token was issued for another cluster",
};

/** A refused token. */
export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    detail?: string,
  ) {
    super(detail ? `${MESSAGE[code]} (${detail})` : MESSAGE[code]);
    this.name = "TokenError";
  }
}
