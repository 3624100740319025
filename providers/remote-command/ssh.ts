// One command on a host over SSH (npm ssh2), for the RemoteCommand provider: a pinned host key (the
// only accepted key; no trust on first use), a dial-wait loop for hosts that are still booting, and
// the command's exit status, stdout and stderr.
//
//   dial ──refused/timed out──► wait (1 s, ×1.5, at most 10 s) ──► dial … up to dialErrorLimit
//        ──host key differs / auth refused──► fail at once (retrying cannot help)
//        ──ready──► exec (stdin, if any, then EOF) ──► exit code, stdout, stderr
import { createHash } from "node:crypto";
import { Client, type Algorithms } from "ssh2";

/** How to reach the host. */
export interface Connection {
  host: string;
  /** 22 by default. */
  port?: number;
  /** "root" by default. */
  user?: string;
  /** An OpenSSH or PEM private key (a Pulumi secret in state). */
  privateKey: string;
  /** The host's public key as in known_hosts without the host: "ssh-ed25519 AAAA…". */
  hostKey: string;
  /** Dial attempts before giving up (default 10). */
  dialErrorLimit?: number;
  /** Timeout of one dial, including the SSH handshake, in seconds (default 15). */
  perDialTimeout?: number;
}

/** What a command did. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An error retrying cannot fix (wrong host key, refused authentication). */
export class SshFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshFatalError";
  }
}

/** Host key algorithms to offer for a pinned key type, so the server presents exactly that key. */
const HOST_KEY_ALGORITHMS: Record<string, Algorithms["serverHostKey"]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
};

/** The key type and raw key blob of "type base64 [comment]". */
export function parseHostKey(line: string): { type: string; blob: Buffer } {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !HOST_KEY_ALGORITHMS[type])
    throw new SshFatalError(
      `hostKey: expected "<type> <base64>" with a type of ${Object.keys(HOST_KEY_ALGORITHMS).join(", ")}`,
    );
  return { type, blob: Buffer.from(b64, "base64") };
}

/** OpenSSH's fingerprint form: SHA256:<unpadded base64>. */
export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

const RETRYABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

function retryable(e: Error & { code?: string; level?: string }): boolean {
  if (e instanceof SshFatalError) return false;
  if (e.code && RETRYABLE.has(e.code)) return true;
  // ssh2: the handshake did not finish within readyTimeout (a host whose sshd is still starting).
  return /Timed out while waiting for handshake/.test(e.message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One dial: a ready client, or an error (SshFatalError when retrying cannot help). */
function dialOnce(c: Connection): Promise<Client> {
  const pinned = parseHostKey(c.hostKey);
  const where = `${c.host}:${c.port ?? 22}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: Buffer | undefined;
    client.once("ready", () => resolve(client));
    client.once("error", (e: Error & { level?: string }) => {
      client.end();
      if (presented && !presented.equals(pinned.blob))
        reject(
          new SshFatalError(
            `${where}: host key ${fingerprint(presented)} is not the pinned hostKey ${fingerprint(pinned.blob)} (${pinned.type}); ` +
              `if the host was reinstalled, check and set its new key (ssh-keyscan -t ${pinned.type} ${c.host})`,
          ),
        );
      else if (e.level === "client-authentication")
        reject(new SshFatalError(`${where}: the host refused the private key for user ${c.user ?? "root"}`));
      else reject(e);
    });
    client.connect({
      host: c.host,
      port: c.port ?? 22,
      username: c.user ?? "root",
      privateKey: c.privateKey,
      readyTimeout: (c.perDialTimeout ?? 15) * 1000,
      algorithms: { serverHostKey: HOST_KEY_ALGORITHMS[pinned.type] },
      hostVerifier: (key: Buffer) => {
        presented = key;
        return key.equals(pinned.blob);
      },
    });
  });
}

/** Dial until ready, waiting between attempts; `onRetry` hears every failed attempt. */
export async function dial(c: Connection, onRetry: (attempt: number, e: Error) => void = () => {}): Promise<Client> {
  const limit = c.dialErrorLimit ?? 10;
  let wait = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialOnce(c);
    } catch (e) {
      const err = e as Error;
      if (!retryable(err)) throw err;
      if (attempt >= limit)
        throw new Error(`${c.host}:${c.port ?? 22}: no SSH connection after ${attempt} attempts: ${err.message}`);
      onRetry(attempt, err);
      await sleep(wait);
      wait = Math.min(wait * 1.5, 10_000);
    }
  }
}

/** At most this much of stdout and stderr is kept (the tail): both end up in the state. */
export const OUTPUT_LIMIT = 64 * 1024;

function tail(s: string): string {
  return s.length <= OUTPUT_LIMIT ? s : `[… ${s.length - OUTPUT_LIMIT} characters cut]\n` + s.slice(-OUTPUT_LIMIT);
}

/** Run `command` (with `stdin`, if any) on the host and wait for its exit. */
export async function run(c: Connection, command: string, stdin?: string): Promise<CommandResult> {
  const client = await dial(c);
  try {
    return await new Promise<CommandResult>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        stream.on("close", (code: number | null, signal?: string) =>
          resolve({ code: code ?? (signal ? 128 : 255), stdout: tail(stdout), stderr: tail(stderr) }),
        );
        stream.end(stdin ?? "");
      });
      client.once("error", reject);
    });
  } finally {
    client.end();
  }
}
