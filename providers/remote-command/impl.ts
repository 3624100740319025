// Implementation of the RemoteCommand dynamic provider (loaded at run time by ./index.ts's shell):
// the resource interface of @pulumi/command's remote.Command, over ./ssh.ts, for hosts where a step
// has no API (a Proxmox template build, a snippet upload).
//
//   create   run `create`; keep stdout and stderr (secret outputs)
//   diff     `triggers` changed → replace; any other input changed → update
//   update   run `update`, or `create` again when there is none (commands must be idempotent)
//   delete   run `delete`, if any, with the connection the resource was created with
//   read     nothing to read back: drift on the host is invisible (as with @pulumi/command)
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { canonical } from "../objectset/drift";
import { parseHostKey, run, type Connection } from "./ssh";

/** Inputs of a remote command. */
export interface RemoteCommandInputs {
  connection: Connection;
  create: string;
  update?: string;
  delete?: string;
  /** Any values: a change replaces the resource (delete, then create, in the engine's order). */
  triggers?: unknown[];
  stdin?: string;
}

/** State: the inputs, and the output of the last create or update. */
export interface RemoteCommandState extends RemoteCommandInputs {
  stdout: string;
  stderr: string;
}

const COMPARED = ["connection", "create", "update", "delete", "stdin"] as const;

export async function check(
  _olds: RemoteCommandInputs,
  news: RemoteCommandInputs,
): Promise<pulumi.dynamic.CheckResult<RemoteCommandInputs>> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const c = news.connection as Partial<Connection> | undefined;
  if (!c || typeof c !== "object")
    failures.push({ property: "connection", reason: "expected {host, privateKey, hostKey}" });
  else {
    if (typeof c.host !== "string" || !c.host)
      failures.push({ property: "connection.host", reason: "expected a host" });
    if (typeof c.privateKey !== "string" || !c.privateKey)
      failures.push({ property: "connection.privateKey", reason: "expected a private key" });
    try {
      parseHostKey(String(c.hostKey ?? ""));
    } catch (e) {
      failures.push({ property: "connection.hostKey", reason: (e as Error).message });
    }
  }
  if (typeof news.create !== "string" || !news.create.trim())
    failures.push({ property: "create", reason: "expected a command" });
  return failures.length ? { failures } : { inputs: news };
}

export async function diff(
  _id: string,
  olds: RemoteCommandState,
  news: RemoteCommandInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const replaces = canonical(olds.triggers ?? []) !== canonical(news.triggers ?? []) ? ["triggers"] : [];
  const changed = COMPARED.filter((f) => canonical(olds[f] ?? null) !== canonical(news[f] ?? null));
  return { changes: replaces.length > 0 || changed.length > 0, replaces };
}

/** Run one of the commands, failing with the host, the exit code and the end of stderr. */
async function execute(
  what: "create" | "update" | "delete",
  c: Connection,
  command: string,
  stdin?: string,
): Promise<{ stdout: string; stderr: string }> {
  const r = await run(c, command, stdin);
  if (r.code !== 0) {
    const last = r.stderr.trimEnd().split("\n").slice(-20).join("\n");
    throw new Error(
      `${what} command failed on ${c.host}:${c.port ?? 22} with exit code ${r.code}${last ? `:\n${last}` : ""}`,
    );
  }
  return { stdout: r.stdout, stderr: r.stderr };
}

export async function create(inputs: RemoteCommandInputs): Promise<pulumi.dynamic.CreateResult<RemoteCommandState>> {
  const out = await execute("create", inputs.connection, inputs.create, inputs.stdin);
  return { id: randomUUID(), outs: { ...inputs, ...out } };
}

export async function read(
  id: string,
  props: RemoteCommandState,
): Promise<pulumi.dynamic.ReadResult<RemoteCommandState>> {
  return { id, props };
}

export async function update(
  _id: string,
  _olds: RemoteCommandState,
  news: RemoteCommandInputs,
): Promise<pulumi.dynamic.UpdateResult<RemoteCommandState>> {
  const out = await execute(news.update ? "update" : "create", news.connection, news.update ?? news.create, news.stdin);
  return { outs: { ...news, ...out } };
}

async function remove(_id: string, props: RemoteCommandState): Promise<void> {
  if (props.delete) await execute("delete", props.connection, props.delete);
}
export { remove as delete };
