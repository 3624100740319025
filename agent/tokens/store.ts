// Bootstrap token records in the parent API: one Secret per token (type
// agent.lattice.dev/bootstrap-token) holding the token's SHA-256, its cluster, its expiry and, once
// redeemed, when. A cell restart loses nothing.
//
// Single use without a lock: redemption reads the record, then writes "used-at" with a PUT that
// carries the resourceVersion it read. Of two concurrent redemptions (two cell replicas, or a
// replay racing the original) exactly one PUT succeeds; the other gets 409 and is refused as used.
import { AGENT_NAMESPACE } from "../api/child";
import { KubeError, type KubeClient } from "../../kube/client";
import { ensureNamespace } from "../api/namespace";
import { CLUSTER_LABEL, MANAGED_BY, MANAGED_BY_LABEL, type SecretObject } from "../api/types";
import { assertClusterName } from "../protocol/identity";
import { TokenError } from "./errors";
import { generateToken, hashToken, isWellFormedToken, sameHash, tokenSecretName } from "./token";

/** Secret type of token records. */
export const TOKEN_SECRET_TYPE = "agent.lattice.dev/bootstrap-token";
/** Label on token records (for listing them). */
export const TOKEN_LABEL = "agent.lattice.dev/bootstrap-token";

/** Shortest and longest token lifetimes. */
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 7 * 24 * 3600;

interface TokenSecret extends SecretObject {
  metadata: SecretObject["metadata"] & { namespace: string };
  type: string;
  data: Record<string, string>;
}

/** What issuing returns: the clear token, exactly once. */
export interface IssuedToken {
  token: string;
  cluster: string;
  expiresAt: Date;
}

/** A token that passed inspection and may now be consumed. */
export interface TokenClaim {
  readonly cluster: string;
  /** The namespace of the cluster's Cluster API objects (what the agent may import into). */
  readonly capiNamespace: string;
  readonly expiresAt: Date;
  /** The record as read: consume() writes against its resourceVersion. */
  readonly record: TokenSecret;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const field = (s: SecretObject, k: string): string => Buffer.from(s.data?.[k] ?? "", "base64").toString("utf8");

/** Token records of one cell namespace. */
export class TokenStore {
  constructor(
    private readonly kube: KubeClient,
    readonly namespace: string,
  ) {}

  /** Issue a token for `cluster`; the returned value is shown once and stored only hashed. */
  async issue(
    cluster: string,
    opts: { ttlSeconds: number; capiNamespace?: string },
    now = new Date(),
  ): Promise<IssuedToken> {
    assertClusterName(cluster);
    if (!(opts.ttlSeconds >= MIN_TTL_SECONDS && opts.ttlSeconds <= MAX_TTL_SECONDS)) {
      throw new RangeError(`token ttl ${opts.ttlSeconds}s is outside ${MIN_TTL_SECONDS}..${MAX_TTL_SECONDS}s`);
    }
    const capiNamespace = opts.capiNamespace ?? "default";
    assertClusterName(capiNamespace, "Cluster API namespace");
    if (capiNamespace === AGENT_NAMESPACE || capiNamespace === this.namespace)
      throw new RangeError(
        `Cluster API namespace "${capiNamespace}" is the link's own namespace (the agent's in the child, the ` +
          `cell's in the parent), where the agent may write nothing: put the cluster's Cluster API objects in another namespace`,
      );
    await ensureNamespace(this.kube, this.namespace);
    const token = generateToken();
    const hash = hashToken(token);
    const expiresAt = new Date(now.getTime() + opts.ttlSeconds * 1000);
    const secret: TokenSecret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: tokenSecretName(hash),
        namespace: this.namespace,
        labels: { [CLUSTER_LABEL]: cluster, [TOKEN_LABEL]: "true", [MANAGED_BY_LABEL]: MANAGED_BY },
      },
      type: TOKEN_SECRET_TYPE,
      data: {
        "token-sha256": b64(hash),
        cluster: b64(cluster),
        "capi-namespace": b64(capiNamespace),
        "expires-at": b64(expiresAt.toISOString()),
      },
    };
    await this.kube.create(secret);
    return { token, cluster, expiresAt };
  }

  /**
   * Check a presented token for `cluster` without consuming it. TokenError: malformed, unknown,
   * expired, used or issued for another cluster.
   */
  async inspect(token: string, cluster: string, now = new Date()): Promise<TokenClaim> {
    if (!isWellFormedToken(token)) throw new TokenError("malformed");
    const hash = hashToken(token);
    const record = await this.kube.getOrUndefined<TokenSecret>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: this.namespace,
      name: tokenSecretName(hash),
    });
    if (!record || record.type !== TOKEN_SECRET_TYPE || !sameHash(field(record, "token-sha256"), hash))
      throw new TokenError("unknown");
    if (record.data?.["used-at"]) throw new TokenError("used");
    const expiresAt = new Date(field(record, "expires-at"));
    if (!(expiresAt.getTime() > now.getTime())) throw new TokenError("expired");
    const bound = field(record, "cluster");
    if (bound !== cluster) throw new TokenError("wrong-cluster", `presented for cluster "${cluster}"`);
    return { cluster: bound, capiNamespace: field(record, "capi-namespace") || "default", expiresAt, record };
  }

  /** Mark the claimed token used; TokenError "used" if anyone redeemed it since inspect(). */
  async consume(claim: TokenClaim, now = new Date()): Promise<void> {
    const updated: TokenSecret = { ...claim.record, data: { ...claim.record.data, "used-at": b64(now.toISOString()) } };
    try {
      await this.kube.replace(updated); // carries metadata.resourceVersion: a compare-and-swap
    } catch (e) {
      if (e instanceof KubeError && (e.status === 409 || e.status === 404)) throw new TokenError("used");
      throw e;
    }
  }

  /** Delete records that expired, or were used, more than `graceMs` ago. Returns how many. */
  async collectGarbage(now = new Date(), graceMs = 3600_000): Promise<number> {
    const records = await this.kube.list<TokenSecret>("v1", "Secret", {
      namespace: this.namespace,
      labelSelector: `${TOKEN_LABEL}=true`,
    });
    let deleted = 0;
    for (const r of records) {
      const usedAt = r.data?.["used-at"] ? new Date(field(r, "used-at")).getTime() : Infinity;
      const expiresAt = new Date(field(r, "expires-at")).getTime();
      if (Math.min(usedAt, Number.isNaN(expiresAt) ? 0 : expiresAt) + graceMs < now.getTime()) {
        // Precondition on the version read: a record redeemed meanwhile is left for the next round.
        try {
          if (
            await this.kube.delete(
              { apiVersion: "v1", kind: "Secret", namespace: this.namespace, name: r.metadata.name },
              { resourceVersion: r.metadata.resourceVersion },
            )
          )
            deleted++;
        } catch (e) {
          if (!(e instanceof KubeError && e.status === 409)) throw e;
        }
      }
    }
    return deleted;
  }
}
