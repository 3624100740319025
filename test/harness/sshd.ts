// A real OpenSSH server for tests: /usr/sbin/sshd (Debian's openssh-server, installed by
// `make system-deps`) on 127.0.0.1 and a free port, with its own ed25519 host key and one
// authorized client key, both generated here, in a temp directory removed on stop. It accepts
// that key for the user running the tests, and nothing else (no passwords, no PAM).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePorts, isListening, removeDir, startProcess, startWatchdog, tail, type Proc } from "./processes";

export const SSHD = "/usr/sbin/sshd";

/** A running sshd and what a client needs to reach it. */
export interface Sshd {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: string;
  /** The client's private key (OpenSSH format). */
  readonly privateKey: string;
  /** The server's public host key, "ssh-ed25519 AAAA…" (what a client pins). */
  readonly hostKey: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Start sshd on `port` (a free one by default), with new keys or those of `sameKeysAs`. */
export async function startSshd(opts: { port?: number; name?: string; sameKeysAs?: Sshd } = {}): Promise<Sshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} is missing: install openssh-server (make system-deps does, on Debian)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `lattice-sshd-${opts.name ?? "test"}-`));
  const keygen = (file: string) =>
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lattice-test", "-f", path.join(dir, file)]);
  for (const key of ["host_key", "client_key"])
    if (opts.sameKeysAs)
      for (const f of [key, `${key}.pub`]) copyFileSync(path.join(opts.sameKeysAs.dir, f), path.join(dir, f));
    else keygen(key);
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "client_key.pub")));
  const port = opts.port ?? (await freePorts(1))[0]!;
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${path.join(dir, "host_key")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The key files live under the world-writable temp directory, which StrictModes would refuse.
    "StrictModes no",
    "PermitRootLogin prohibit-password",
    "LogLevel VERBOSE",
  ];
  writeFileSync(path.join(dir, "sshd_config"), config.join("\n") + "\n");
  // Running as root, sshd wants its privilege-separation directory (Debian's service creates it).
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const log = path.join(dir, "sshd.log");
  const proc: Proc = startProcess("sshd", SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], log);
  const watchdog = startWatchdog(process.pid, [proc.pid], dir);
  const deadline = Date.now() + 10_000;
  while (!(await isListening(port))) {
    if (!proc.isRunning() || Date.now() > deadline) {
      await proc.stop();
      await watchdog.stop();
      throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const hostKey = readFileSync(path.join(dir, "host_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  return {
    host: "127.0.0.1",
    port,
    user: os.userInfo().username,
    privateKey: readFileSync(path.join(dir, "client_key"), "utf8"),
    hostKey,
    dir,
    async stop() {
      await proc.stop();
      await watchdog.stop();
      removeDir(dir);
    },
  };
}
