// Many agents in one process for link tests: bench/link-agents.ts (the real LinkAgent, each agent
// with its own key, certificate and TLS connection) run under ts-node. What they lack is a child
// cluster: a simulated host answers reportStatus at once and reports fixed health — named as such
// in that file. Their certificates are signed with the cell CA read from the parent, once: the
// agents keep them for the whole test, through cell restarts and failovers.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import type { ControlPlane } from "../../../harness/controlplane";
import { nodePath, ROOT } from "../../../harness/tools";
import { CA_SECRET_NAME, DEFAULT_NAMESPACE, LINK_API_VERSION, type SecretObject } from "../../../../agent/api/types";

/** What the worker reports on "count". */
export interface FleetCount {
  connected: number;
  byCell: Record<string, number>;
  executed: number;
  duplicates: number;
  disconnects: number;
  /** TLS handshakes of all agents so far, and how many resumed a session. */
  handshakes: number;
  resumed: number;
}

/** A running fleet. */
export interface Fleet {
  readonly size: number;
  /** Cluster names: bench-<first> … bench-<first + size - 1>. */
  readonly clusters: string[];
  ready(): Promise<{ connected: number }>;
  count(): Promise<FleetCount>;
  /** Heartbeat every `everyMs` for `windowMs` and return the round trips (ms, one per answer). */
  heartbeats(
    everyMs: number,
    windowMs: number,
  ): Promise<{ sent: number; answered: number; disconnects: number; histogram: Record<string, number> }>;
  stop(): Promise<void>;
}

/** ClusterLinks for bench-<first>…, as issueBootstrapToken would have made them. */
export async function createFleetLinks(parent: ControlPlane, first: number, size: number): Promise<void> {
  const names = Array.from({ length: size }, (_, i) => `bench-${first + i}`);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = names.pop(); name; name = names.pop())
        await parent.client.apply({
          apiVersion: LINK_API_VERSION,
          kind: "ClusterLink",
          metadata: { name, namespace: DEFAULT_NAMESPACE },
          spec: { cluster: name },
        });
    }),
  );
}

/** Start `size` agents dialling `address`, their ClusterLinks already created. */
export async function startFleet(
  parent: ControlPlane,
  dir: string,
  o: { address: string; first: number; size: number; connectsPerSecond?: number },
): Promise<Fleet> {
  const ca = await parent.client.get<SecretObject>({
    apiVersion: "v1",
    kind: "Secret",
    namespace: DEFAULT_NAMESPACE,
    name: CA_SECRET_NAME,
  });
  const caFile = path.join(dir, "fleet-ca.crt");
  const keyFile = path.join(dir, "fleet-ca.key");
  writeFileSync(caFile, Buffer.from(ca.data!["tls.crt"]!, "base64"));
  writeFileSync(keyFile, Buffer.from(ca.data!["tls.key"]!, "base64"), { mode: 0o600 });
  const proc: ChildProcess = spawn(
    nodePath(),
    [
      "-r",
      path.join(ROOT, "node_modules", "ts-node", "register"),
      path.join(ROOT, "bench", "link-agents.ts"),
      "--ca-file",
      caFile,
      "--key-file",
      keyFile,
      "--address",
      o.address,
      "--first",
      String(o.first),
      "--count",
      String(o.size),
      "--connects-per-second",
      String(o.connectsPerSecond ?? 200),
    ],
    { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } },
  );
  const waiting = new Map<string, ((v: Record<string, unknown>) => void)[]>();
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    waiting.get(String(msg.type))?.shift()?.(msg);
  });
  const kill = () => proc.kill("SIGKILL");
  process.once("exit", kill); // the worker also exits when its stdin closes
  const exited = new Promise<never>((_, reject) =>
    proc.once("exit", (code) => reject(new Error(`the fleet's process exited with ${code}`))),
  );
  exited.catch(() => undefined);
  const next = <T>(type: string) =>
    Promise.race([
      new Promise<T>((r) =>
        waiting.set(type, [...(waiting.get(type) ?? []), r as (v: Record<string, unknown>) => void]),
      ),
      exited,
    ]);
  const readyP = next<{ connected: number }>("ready");
  const send = (line: string) => proc.stdin!.write(line + "\n");
  return {
    size: o.size,
    clusters: Array.from({ length: o.size }, (_, i) => `bench-${o.first + i}`),
    ready: () => readyP,
    count: () => {
      const p = next<FleetCount>("count");
      send("count");
      return p;
    },
    heartbeats: (everyMs, windowMs) => {
      const p = next<{ sent: number; answered: number; disconnects: number; histogram: Record<string, number> }>("hb");
      send(`hb ${everyMs} ${windowMs}`);
      return p;
    },
    async stop() {
      if (proc.exitCode !== null) return;
      send("stop");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited.catch(() => undefined);
      clearTimeout(t);
      process.off("exit", kill);
    },
  };
}
