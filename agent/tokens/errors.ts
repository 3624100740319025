// Why a token was refused, and the HTTP status the bootstrap endpoint answers with. Messages are
// safe to return and to log: they never contain the token.

/** The refusal reasons. */
export type TokenErrorCode = "malformed" | "unknown" | "expired" | "used" | "wrong-cluster";

const HTTP_STATUS: Readonly<Record<TokenErrorCode, number>> = {
  malformed: 401,
  unknown: 401,
  expired: 401,
  used: 409,
  "wrong-cluster": 403,
};

const MESSAGE: Readonly<Record<TokenErrorCode, string>> = {
  malformed: "the bootstrap token is malformed",
  unknown: "the bootstrap token is not known to this cell",
  expired: "the bootstrap token has expired: issue a new one",
  used: "the bootstrap token was already used: tokens are single use, issue a new one",
  "wrong-cluster": "the bootstrap token was issued for another cluster",
};

/** A refused token. */
export class TokenError extends Error {
  readonly httpStatus: number;
  constructor(
    readonly code: TokenErrorCode,
    detail?: string,
  ) {
    super(detail ? `${MESSAGE[code]} (${detail})` : MESSAGE[code]);
    this.name = "TokenError";
    this.httpStatus = HTTP_STATUS[code];
  }
}
