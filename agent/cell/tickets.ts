// TLS session ticket keys shared by every cell replica (Secret lattice-cell-session-tickets in the
// cell's namespace), so a ticket one replica issued resumes on another, or on the same replica
// after a restart: a reconnecting agent then skips the certificate checks and signatures of a full
// handshake — most of what a reconnect storm costs (agent/protocol/channel.ts, the agent's side).
//
// Why this is safe: a resumed session carries the client certificate it was opened with, and the
// cell admits it exactly as a new one (cluster named, ClusterLink present, not revoked). Tickets
// live at most TICKET_LIFETIME_S; the leader replaces the keys when they are that old (older
// tickets then fall back to a full handshake). The keys are as sensitive as the CA key, and kept
// beside it, readable by the same few.
import { randomBytes } from "node:crypto";
import { KubeError, type KubeClient } from "../../kube/client";
import { MANAGED_BY, MANAGED_BY_LABEL, type SecretObject } from "../api/types";

export const TICKET_SECRET_NAME = "lattice-cell-session-tickets";
/** How long a ticket resumes, and how long keys live before the leader replaces them (7 days, TLS 1.3's cap). */
export const TICKET_LIFETIME_S = 7 * 24 * 3600;
/** Node's ticket keys: 16 bytes name, 16 bytes HMAC key, 16 bytes AES key. */
const KEY_BYTES = 48;

/** The keys, and when they were made. */
export interface TicketKeys {
  keys: Buffer;
  createdAt: Date;
  resourceVersion?: string;
}

const ref = (namespace: string) => ({ apiVersion: "v1", kind: "Secret", namespace, name: TICKET_SECRET_NAME });

function parse(s: SecretObject): TicketKeys | undefined {
  const keys = Buffer.from(s.data?.keys ?? "", "base64");
  const createdAt = new Date(Buffer.from(s.data?.["created-at"] ?? "", "base64").toString("utf8"));
  if (keys.length !== KEY_BYTES || Number.isNaN(createdAt.getTime())) return undefined;
  return { keys, createdAt, ...(s.metadata.resourceVersion ? { resourceVersion: s.metadata.resourceVersion } : {}) };
}

function secret(namespace: string, now: Date, resourceVersion?: string): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: TICKET_SECRET_NAME,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    type: "Opaque",
    data: {
      keys: randomBytes(KEY_BYTES).toString("base64"),
      "created-at": Buffer.from(now.toISOString()).toString("base64"),
    },
  };
}

/** The shared keys, made by whoever needs them first (a racing creator reads the winner's). */
export async function loadTicketKeys(kube: KubeClient, namespace: string, now = new Date()): Promise<TicketKeys> {
  const existing = await kube.getOrUndefined<SecretObject>(ref(namespace));
  const parsed = existing && parse(existing);
  if (parsed) return parsed;
  try {
    const made = existing
      ? await kube.replace<SecretObject>(secret(namespace, now, existing.metadata.resourceVersion)) // unreadable: remake
      : await kube.create<SecretObject>(secret(namespace, now));
    return parse(made)!;
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
    const winner = parse(await kube.get<SecretObject>(ref(namespace)));
    if (!winner)
      throw new Error(`Secret ${namespace}/${TICKET_SECRET_NAME} is not usable: delete it to have it remade`, {
        cause: e,
      });
    return winner;
  }
}

/** Replace keys older than the ticket lifetime (the leader's job); returns the keys in force. */
export async function rotateTicketKeys(kube: KubeClient, namespace: string, now = new Date()): Promise<TicketKeys> {
  const current = await loadTicketKeys(kube, namespace, now);
  if (now.getTime() - current.createdAt.getTime() < TICKET_LIFETIME_S * 1000) return current;
  try {
    return parse(await kube.replace<SecretObject>(secret(namespace, now, current.resourceVersion)))!;
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
    return loadTicketKeys(kube, namespace, now); // another replica rotated first
  }
}
