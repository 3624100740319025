// The RemoteCommand provider's implementation against a real sshd on 127.0.0.1 (no engine needed to
// call its CRUD functions): commands and their output, failures that say where and why, a pinned
// host key that refuses any other, and the dial-wait loop for a host whose sshd is not up yet.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as impl from "../../../providers/remote-command/impl";
import { fingerprint, parseHostKey, type Connection } from "../../../providers/remote-command/ssh";
import { freePorts } from "../../harness/processes";
import { startSshd, type Sshd } from "../../harness/sshd";

jest.setTimeout(60_000);

let sshd: Sshd;
let connection: Connection;
beforeAll(async () => {
  sshd = await startSshd({ name: "remote-command" });
  connection = {
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKey,
  };
});
afterAll(async () => {
  await sshd?.stop();
});

test("create runs the command on the host and keeps stdout and stderr; delete runs its command", async () => {
  const marker = path.join(sshd.dir, "created");
  const inputs = {
    connection,
    create: `echo made > ${marker}; echo out; echo err >&2; cat`,
    delete: `rm ${marker}; echo gone`,
    stdin: "from stdin\n",
  };
  expect(await impl.check(inputs, inputs)).toEqual({ inputs });
  const { id, outs } = (await impl.create(inputs)) as { id: string; outs: impl.RemoteCommandState };
  expect([outs.stdout, outs.stderr]).toEqual(["out\nfrom stdin\n", "err\n"]);
  expect(readFileSync(marker, "utf8")).toBe("made\n");
  await impl.delete(id, outs);
  expect(() => readFileSync(marker)).toThrow(/ENOENT/);
});

test("diff: a changed trigger replaces, a changed command updates, nothing changed is no change", async () => {
  const olds = { connection, create: "true", triggers: [1], stdout: "", stderr: "" };
  expect(await impl.diff("id", olds, { connection, create: "true", triggers: [1] })).toEqual({
    changes: false,
    replaces: [],
  });
  expect(await impl.diff("id", olds, { connection, create: "true", triggers: [2] })).toEqual({
    changes: true,
    replaces: ["triggers"],
  });
  expect(await impl.diff("id", olds, { connection, create: "echo", triggers: [1] })).toEqual({
    changes: true,
    replaces: [],
  });
});

test("update runs `update`, or `create` again when there is none", async () => {
  const olds = { connection, create: "echo create", stdout: "", stderr: "" };
  expect((await impl.update("id", olds, { connection, create: "echo create" })).outs?.stdout).toBe("create\n");
  expect((await impl.update("id", olds, { connection, create: "x", update: "echo update" })).outs?.stdout).toBe(
    "update\n",
  );
});

test("a failing command names the host, the exit code and the end of stderr", async () => {
  await expect(impl.create({ connection, create: "echo partial; echo 'no space left' >&2; exit 7" })).rejects.toThrow(
    `create command failed on 127.0.0.1:${sshd.port} with exit code 7:\nno space left`,
  );
});

test("a host presenting another key than the pinned one is refused at once, with both fingerprints", async () => {
  const other = path.join(sshd.dir, "other");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
  const wrongKey = readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  const started = Date.now();
  const err = await impl
    .create({ connection: { ...connection, hostKey: wrongKey }, create: "touch /tmp/never" })
    .catch((e: Error) => e);
  expect(Date.now() - started).toBeLessThan(5000); // not retried
  expect((err as Error).message).toBe(
    `127.0.0.1:${sshd.port}: host key ${fingerprint(parseHostKey(sshd.hostKey).blob)} is not the pinned hostKey ` +
      `${fingerprint(parseHostKey(wrongKey).blob)} (ssh-ed25519); if the host was reinstalled, check and set its ` +
      `new key (ssh-keyscan -t ssh-ed25519 127.0.0.1)`,
  );
  expect(
    await impl.check({} as impl.RemoteCommandInputs, { connection: { ...connection, hostKey: "none" }, create: "" }),
  ).toMatchObject({ failures: [{ property: "connection.hostKey" }, { property: "create" }] });
});

test("the dial-wait loop waits for a host whose sshd starts late, and gives up after dialErrorLimit", async () => {
  const [port] = await freePorts(1);
  await expect(
    impl.create({ connection: { ...connection, port: port!, dialErrorLimit: 2 }, create: "true" }),
  ).rejects.toThrow(`127.0.0.1:${port}: no SSH connection after 2 attempts: connect ECONNREFUSED 127.0.0.1:${port}`);

  const started = Date.now();
  const late = impl.create({ connection: { ...connection, port: port! }, create: "echo reached" });
  await new Promise((r) => setTimeout(r, 1500));
  // The same host, its sshd up at last (same host key, as after a reboot).
  const booting = await startSshd({ port: port!, name: "late", sameKeysAs: sshd });
  try {
    expect((await late).outs?.stdout).toBe("reached\n");
    expect(Date.now() - started).toBeGreaterThan(1500);
  } finally {
    await booting.stop();
  }
});
