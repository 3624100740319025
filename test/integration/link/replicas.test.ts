// Two `lattice cell` replicas on one parent API server, sharing one address (SO_REUSEPORT: the
// kernel spreads connections over them as a Service spreads them over pods), and a real agent
// (`lattice agent`, its own child API server, its ServiceAccount's RBAC):
//  - the replica holding the agent's stream is killed (-9) mid-command: the command completes
//    exactly once (the agent's journal in the child proves it) and the other replica serves the agent;
//  - the agent's process is stopped (SIGSTOP, no FIN): its connection is dropped and its ClusterLink
//    marked disconnected within the bound the cell documents;
//  - `lattice cell revoke` cuts the live stream within 5 s on whichever replica holds it, the
//    identity is refused from then on, and only a new bootstrap token admits the cluster again;
//  - renewals are limited to one per interval per cluster;
//  - the cell's Deployment, Service and RBAC (agent/deploy/cell.ts) are accepted by the API server.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { freePorts } from "../../harness/processes";
import { AGENT_NAMESPACE, IDENTITY_SECRET_NAME, JOURNAL_CONFIGMAP_NAME } from "../../../agent/api/child";
import { getCommand } from "../../../agent/api/commands";
import { LINK_API_VERSION, type ClusterLink, type SecretObject } from "../../../agent/api/types";
import { redeemBootstrapToken } from "../../../agent/child/bootstrap";
import { renderCellManifests } from "../../../agent/deploy/cell";
import { loadTicketKeys, rotateTicketKeys, TICKET_LIFETIME_S } from "../../../agent/cell/tickets";
import { createAgentCsr } from "../../../agent/pki/csr";
import { generateKeyPair } from "../../../agent/pki/crypto";
import { linkPackage, type CellMessage__Output } from "../../../agent/protocol/load";
import type { TlsMaterial } from "../../../agent/protocol/tls";
import { linkChannelCredentials, linkChannelOptions } from "../../../agent/protocol/channel";
import {
  enqueueCommand,
  installLinkCrds,
  issueBootstrapToken,
  readLinkStatus,
  waitForResult,
} from "../../../agent/queue";
import { eventually } from "../../../agent/testkit/wait";
import { agentKubeconfig, bootstrapChild } from "./support/child";
import { runLattice, startCell, startLattice, type CellReady, type LatticeProc, type LogLine } from "./support/procs";

jest.setTimeout(120_000);

const CAPI_NS = "capi-c1";
const unb64 = (s?: string) => Buffer.from(s ?? "", "base64").toString("utf8");

describe("two cell replicas on one address", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let agent: LatticeProc;
  let cellArgs: string[];
  const cells = new Map<string, LatticeProc & { ready: CellReady }>();
  let childApiPid = 0;
  let grpcPort = 0;

  const startReplica = async (name: string) => {
    const c = await startCell(parent, dir, { host: "127.0.0.1", name, args: cellArgs });
    cells.set(c.ready.instance, c);
    return c;
  };
  /** The replica the agent's latest "link up" names. */
  const holder = () => {
    const up = agent.lines().filter((l) => l.msg === "link up");
    return cells.get(String(up.at(-1)?.cell));
  };
  const linksUp = () => agent.count((l) => l.msg === "link up");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-replicas-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false }),
    ]);
    await installLinkCrds(parent.client);
    const [g, b] = (await freePorts(2)) as [number, number];
    grpcPort = g;
    cellArgs = [
      ...["--listen", `127.0.0.1:${g}`, "--bootstrap-listen", `127.0.0.1:${b}`, "--reuse-port"],
      ...["--keepalive-interval", "1s", "--keepalive-timeout", "1s", "--renewal-interval", "1h"],
    ];
    await Promise.all([startReplica("cell-a"), startReplica("cell-b")]);
    const grant = await issueBootstrapToken(parent.client, "c1", { ttlSeconds: 600, capiNamespace: CAPI_NS });
    const bs = await bootstrapChild(child, grant, dir);
    if (bs.code !== 0) throw new Error(`bootstrap failed (${bs.code}):\n${bs.raw}`);
    agent = startLattice(
      "agent",
      [
        "agent",
        "--kubeconfig",
        await agentKubeconfig(child, dir),
        ...[
          "--backoff-base",
          "200ms",
          "--backoff-max",
          "1s",
          "--keepalive-interval",
          "2s",
          "--keepalive-timeout",
          "2s",
        ],
      ],
      dir,
    );
    await agent.waitFor((l) => l.msg === "link up", "link up", 60_000);
  }, 180_000);

  afterAll(async () => {
    for (const pid of [childApiPid, agent?.proc.pid])
      if (pid)
        try {
          process.kill(pid, "SIGCONT");
        } catch {
          /* gone */
        }
    await agent?.proc.stop();
    for (const c of cells.values()) await c.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the replica holding the stream dies mid-command: the command runs exactly once, the other replica serves the agent", async () => {
    const first = holder()!;
    expect(first).toBeDefined();
    // Freeze the child's API server: the agent acknowledges the command and executes it slowly.
    childApiPid = child.processes.find((p) => p.name.endsWith("kube-apiserver"))!.pid;
    process.kill(childApiPid, "SIGSTOP");
    const h = await enqueueCommand(parent.client, "c1", {
      kind: "apply",
      objects: [
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "mid-command", namespace: CAPI_NS, labels: { "cluster.x-k8s.io/cluster-name": "c1" } },
          stringData: { v: "1" },
        },
      ],
    });
    await eventually(
      async () => (await getCommand(parent.client, h)).status?.phase === "Delivered",
      "Delivered",
      30_000,
    );
    const ups = linksUp();
    process.kill(-first.proc.pid, "SIGKILL");
    await first.proc.exited;
    cells.delete(first.ready.instance);
    // Still mid-command: the agent comes back (its Hello does not wait for the frozen API), and the
    // other replica sends the unfinished command again while the first execution still runs.
    await agent.waitFor(() => linksUp() > ups, "the agent back on the other replica", 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // the command re-sent and acknowledged meanwhile
    process.kill(childApiPid, "SIGCONT");
    childApiPid = 0;

    expect((await waitForResult(parent.client, h, { timeoutMs: 60_000 })).phase).toBe("Succeeded");
    const second = holder()!;
    expect(second.ready.instance).not.toBe(first.ready.instance);
    expect(cells.has(second.ready.instance)).toBe(true);
    // Exactly once: one execution in the agent's log, one entry in its journal in the child.
    expect(agent.count((l: LogLine) => l.msg === "command executed" && l.id === h.uid)).toBe(1);
    const journal = await child.client.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: AGENT_NAMESPACE,
      name: JOURNAL_CONFIGMAP_NAME,
    });
    expect(Object.keys(journal.data ?? {}).filter((id) => id === h.uid)).toEqual([h.uid]);
    const link = await eventually(
      async () => {
        const s = await readLinkStatus(parent.client, "c1");
        return s.connected && s.reported?.cell === second.ready.instance ? s : undefined;
      },
      "the ClusterLink naming the surviving replica",
      30_000,
    );
    expect(link.state).toBe("connected");
  });

  it("a silent agent (stopped, no FIN) is dropped and reported disconnected within the documented bound", async () => {
    const c = holder()!;
    const bound = Number(c.ready.silentAgentDroppedWithinMs);
    expect(bound).toBe(2250); // 1 s interval + 1 s timeout + a 250 ms tick
    await eventually(async () => (await readLinkStatus(parent.client, "c1")).connected, "connected", 30_000);
    const ups = linksUp();
    process.kill(agent.proc.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    try {
      await eventually(
        async () => (await readLinkStatus(parent.client, "c1")).reported?.connected === false,
        "c1 reported disconnected",
        bound + 10_000,
        100,
      );
      const tookMs = Date.now() - stoppedAt;
      process.stdout.write(
        `# silent agent reported disconnected after ${tookMs} ms (bound ${bound} ms + the status write)\n`,
      );
      // The bound, plus the time to write the status (one request, well under a second here).
      expect(tookMs).toBeLessThan(bound + 2000);
      expect(c.lines().some((l) => l.msg === "closing a silent connection" && l.cluster === "c1")).toBe(true);
    } finally {
      process.kill(agent.proc.pid, "SIGCONT");
    }
    await agent.waitFor(() => linksUp() > ups, "the agent back after it resumed", 30_000);
  });

  it("renewals: one per interval per cluster", async () => {
    const grant = await issueBootstrapToken(parent.client, "r1", { ttlSeconds: 600 });
    const r = await redeemBootstrapToken({
      url: grant.bootstrapUrl!,
      caPem: grant.caBundle,
      token: grant.token,
      cluster: "r1",
    });
    const m = { ca: grant.caBundle, cert: r.identity.certificate, key: r.keyPem };
    const stream = openStream(m, grpcPort, "r1");
    try {
      await stream.next((x) => x.body === "welcome");
      const renew = async () => {
        stream.call.write({ cluster: "r1", renew: { csrPem: await createAgentCsr("r1", await generateKeyPair()) } });
        return (
          await stream.next((x) => x.body === "renewed", stream.received.filter((x) => x.body === "renewed").length)
        ).renewed!;
      };
      const one = await renew();
      expect(one.refused).toBe("");
      expect(new X509Certificate(one.certificatePem).subject).toContain("CN=r1");
      const two = await renew();
      expect(two.certificatePem).toBe("");
      expect(two.refused).toMatch(/one renewal per 60 min/);
      expect(two.retryAfterUnixMs).toBeGreaterThan(Date.now() + 50 * 60_000);
    } finally {
      stream.close();
    }
  });

  it("revocation cuts the stream within 5 s on whichever replica holds it; only a new token admits the cluster again", async () => {
    // Both replicas running again, so the holder is either.
    if (cells.size < 2) await startReplica("cell-c");
    await eventually(async () => (await readLinkStatus(parent.client, "c1")).connected, "connected", 30_000);
    const held = holder()!;
    const lost = () => agent.count((l) => l.msg === "link lost; reconnecting" && String(l.reason).startsWith("7:"));
    const before = lost();
    // From the moment the field is in the parent (seen by polling it): what the cells control.
    const linkRef = { apiVersion: LINK_API_VERSION, kind: "ClusterLink", namespace: "lattice-system", name: "c1" };
    const recorded = eventually(
      async () => ((await parent.client.get<ClusterLink>(linkRef)).spec.revokedBefore ? Date.now() : 0),
      "revokedBefore recorded",
      60_000,
      25,
    );
    const revoked = await runLattice("revoke", ["cell", "revoke", "c1", "--kubeconfig", parent.kubeconfigPath], dir);
    expect(revoked.code).toBe(0);
    const revokedAt = await recorded;
    await agent.waitFor(() => lost() > before, "the stream cut (PERMISSION_DENIED)", 5000);
    const cutMs = Math.max(0, Date.now() - revokedAt);
    expect(cutMs).toBeLessThan(5000);
    expect(held.lines().some((l) => l.msg === "identity revoked: cutting the stream" && l.cluster === "c1")).toBe(true);
    // Refused from then on, by every replica (the agent keeps trying).
    await agent.waitFor(() => lost() > before + 3, "three more refusals", 30_000);
    expect(
      agent
        .lines()
        .filter((l) => l.msg === "link lost; reconnecting")
        .at(-1)?.reason,
    ).toMatch(/revoked/);
    expect((await readLinkStatus(parent.client, "c1")).connected).toBe(false);
    const spec = (await parent.client.get<ClusterLink>(linkRef)).spec;
    expect(spec.revokedBefore).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // A new token (a node bootstrapping the cluster again): the running agent picks up the stored
    // identity after its next refusal and is admitted.
    const ups = linksUp();
    const grant = await issueBootstrapToken(parent.client, "c1", { ttlSeconds: 600, capiNamespace: CAPI_NS });
    const bs = await bootstrapChild(child, grant, dir, { name: "rebootstrap" });
    expect(bs.code).toBe(0);
    await agent.waitFor(() => linksUp() > ups, "the agent admitted with its new identity", 30_000);
    const id = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: AGENT_NAMESPACE,
      name: IDENTITY_SECRET_NAME,
    });
    const notBefore = Date.parse(new X509Certificate(unb64(id.data?.["tls.crt"])).validFrom);
    expect(notBefore).toBeGreaterThanOrEqual(Date.parse(spec.revokedBefore!));
    process.stdout.write(`# revocation: stream cut ${cutMs} ms after the revocation was recorded in the parent\n`);
  });

  it("TLS session ticket keys: one Secret shared by the replicas, replaced by the leader when a week old", async () => {
    const now = Date.now();
    const shared = await loadTicketKeys(parent.client, "lattice-system");
    expect(shared.keys).toHaveLength(48);
    expect((await loadTicketKeys(parent.client, "lattice-system")).keys.equals(shared.keys)).toBe(true);
    expect((await rotateTicketKeys(parent.client, "lattice-system", new Date(now))).keys.equals(shared.keys)).toBe(
      true,
    );
    const later = new Date(shared.createdAt.getTime() + TICKET_LIFETIME_S * 1000 + 1000);
    const rotated = await rotateTicketKeys(parent.client, "lattice-system", later);
    expect(rotated.keys.equals(shared.keys)).toBe(false);
    expect(rotated.createdAt.toISOString()).toBe(later.toISOString());
  });

  it("the cell's Deployment (N replicas), Service and RBAC are accepted by the API server", async () => {
    for (const o of renderCellManifests({
      namespace: "lattice-system",
      image: "ghcr.io/lattice-dev/lattice:0.1.0",
      replicas: 3,
    }))
      await parent.client.apply(o, { dryRun: true, fieldManager: "test" });
  });
});

/** A raw link stream with `m` for `cluster`: Hello sent, messages collected. */
function openStream(m: TlsMaterial, port: number, cluster: string) {
  const client = new (linkPackage().Link)(`127.0.0.1:${port}`, linkChannelCredentials(m), linkChannelOptions());
  const call = client.Connect();
  const received: CellMessage__Output[] = [];
  call.on("data", (x: CellMessage__Output) => received.push(x));
  call.on("error", () => undefined);
  call.write({
    cluster,
    hello: { protocolVersion: 1, minProtocolVersion: 1, agentVersion: "probe", capabilities: ["renew"] },
  });
  return {
    call,
    received,
    /** The first message matching after `skip` earlier matches. */
    next: (pred: (x: CellMessage__Output) => boolean, skip = 0) =>
      eventually(() => received.filter(pred)[skip], "a message from the cell", 15_000),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}
