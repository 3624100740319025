// Protocol versions: each side speaks a range; the stream uses the highest version both speak.
// Bump PROTOCOL_VERSION when a change needs the peer to know (a new message kind a peer must act
// on); additive fields that can be ignored need no bump (see the rules in proto/agent.proto).

/** The highest protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;
/** The lowest protocol version this build still speaks. */
export const MIN_PROTOCOL_VERSION = 1;

/** The release of the cell and agent (reported in Hello/Welcome and the parent's status). */
export const LATTICE_VERSION = "0.1.0";

/** What the agent can execute; sent in Hello.capabilities. */
export const AGENT_CAPABILITIES = ["apply", "import", "status", "renew", "pivot"] as const;

/** The outcome of a version negotiation. */
export type Negotiation = { ok: true; version: number } | { ok: false; reason: string };

/**
 * The version two sides use: min(their max, our max), if that is within both ranges. A peer that
 * sends 0 (an unset field) is treated as speaking exactly version 1, the first version.
 */
export function negotiate(
  peer: { max: number; min: number },
  ours: { max: number; min: number } = { max: PROTOCOL_VERSION, min: MIN_PROTOCOL_VERSION },
): Negotiation {
  const peerMax = peer.max || 1;
  const peerMin = peer.min || Math.min(peerMax, 1);
  const version = Math.min(peerMax, ours.max);
  if (version < ours.min)
    return {
      ok: false,
      reason: `peer speaks protocol ${peerMin}..${peerMax}, this side needs at least ${ours.min}: upgrade the agent`,
    };
  if (version < peerMin)
    return {
      ok: false,
      reason: `peer needs protocol ${peerMin} or newer, this side speaks up to ${ours.max}: upgrade the cell`,
    };
  return { ok: true, version };
}
