// The bootstrap token over a cluster's life (providers/cluster/bootstrap-token.ts), step by step
// against a real parent API server, a real `lattice cell` and a real agent in a real child API
// server: a token spent by a node whose agent never came up is replaced by a fresh one; once the
// agent has connected, the token is gone from the bootstrap Secret (keys kept) and from the
// machines' bootstrap data, and nothing else is touched. (provision.test.ts shows the same through
// the engine and Cluster API; this file shows the cases a healthy provisioning never reaches.)
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import type { KubeObject } from "../../../core/k8s/object";
import { BOOTSTRAP_TOKEN_SPENT, NODE_PATHS, bootstrapSecretName } from "../../../core/cluster";
import { redeemBootstrapToken } from "../../../agent/child/bootstrap";
import { installLinkCrds, readLinkStatus } from "../../../agent/queue";
import { eventually } from "../../../agent/testkit/wait";
import { TokenStore } from "../../../agent/tokens/store";
import type { SecretObject } from "../../../agent/api/types";
import { settleBootstrapToken, writeBootstrapSecret } from "../../../providers/cluster/bootstrap-token";
import { agentKubeconfig, bootstrapChild } from "../link/support/child";
import { startCell, startLattice, type LatticeProc } from "../link/support/procs";

jest.setTimeout(120_000);

const CLUSTER = "edge";
const NS = "clusters";
const place = { name: CLUSTER, namespace: NS, fieldManager: "lattice-test", linkNamespace: "lattice-system" };
const unb64 = (s?: string) => Buffer.from(s ?? "", "base64").toString("utf8");

describe("the bootstrap token in the parent over a cluster's life", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let cell: LatticeProc & { ready: { bootstrapUrl: string } };
  let agent: LatticeProc | undefined;
  let caPem: string;

  const secret = () =>
    parent.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      name: bootstrapSecretName(CLUSTER),
      namespace: NS,
    });
  const tokenInSecret = async () => unb64((await secret()).data?.token);
  const link = async () => (await readLinkStatus(parent.client, CLUSTER)).state;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bootstrap-token-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false }),
    ]);
    await installLinkCrds(parent.client);
    await parent.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    cell = await startCell(parent, dir, { host: "127.0.0.1" });
  }, 300_000);

  afterAll(async () => {
    await agent?.proc.stop();
    await cell?.proc.stop();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps a usable token while the agent has never connected", async () => {
    await writeBootstrapSecret(parent.client, place);
    const token = await tokenInSecret();
    expect(token).toMatch(/^lt1\./);
    expect(await link()).toBe("never-connected");
    expect(await settleBootstrapToken(parent.client, place, await link())).toBe("keep");
    expect(await tokenInSecret()).toBe(token);
  });

  it("replaces a token spent by a node whose agent never came up by a fresh, usable one", async () => {
    const spent = await tokenInSecret();
    caPem = unb64((await secret()).data?.["ca.crt"]);
    // A node redeems it and then fails before its agent starts (nothing is installed anywhere).
    await redeemBootstrapToken({ url: cell.ready.bootstrapUrl, caPem, token: spent, cluster: CLUSTER });
    expect(await link()).toBe("never-connected");
    expect(await settleBootstrapToken(parent.client, place, await link())).toBe("fresh");
    const fresh = await tokenInSecret();
    expect(fresh).toMatch(/^lt1\./);
    expect(fresh).not.toBe(spent);
    await expect(new TokenStore(parent.client, "lattice-system").inspect(fresh, CLUSTER)).resolves.toBeDefined();
    await expect(new TokenStore(parent.client, "lattice-system").inspect(spent, CLUSTER)).rejects.toThrow();
  });

  it("once the agent has connected, the token is gone from the Secret and the machines' data; the rest is untouched", async () => {
    const token = await tokenInSecret();
    const data = (name: string, type: string, text: string): KubeObject =>
      ({
        apiVersion: "v1",
        kind: "Secret",
        type,
        metadata: { name, namespace: NS, labels: { "cluster.x-k8s.io/cluster-name": CLUSTER } },
        stringData: { value: text, format: "cloud-config" },
      }) as KubeObject;
    const cloudConfig = `#cloud-config\nwrite_files:\n- path: ${NODE_PATHS.token}\n  content: ${token}\n`;
    // A machine's bootstrap data as the bootstrap provider renders it, and a Secret that is not one.
    await parent.client.create(data("edge-control-plane-abcde", "cluster.x-k8s.io/secret", cloudConfig));
    await parent.client.create(data("edge-notes", "Opaque", cloudConfig));
    // The token's real use: a node redeems it and the agent connects.
    const bs = await bootstrapChild(
      child,
      { token, caBundle: caPem, cluster: CLUSTER, bootstrapUrl: cell.ready.bootstrapUrl } as never,
      dir,
    );
    if (bs.code !== 0) throw new Error(`bootstrap failed (${bs.code}):\n${bs.raw}`);
    agent = startLattice("agent", ["agent", "--kubeconfig", await agentKubeconfig(child, dir)], dir);
    await eventually(async () => (await link()) === "connected", "the agent connected", 60_000);

    const before = await secret();
    expect(await settleBootstrapToken(parent.client, place, await link())).toBe("scrub");
    const after = await secret();
    expect(Object.keys(after.data as object).sort()).toEqual(Object.keys(before.data as object).sort());
    expect(unb64(after.data?.token)).toBe(BOOTSTRAP_TOKEN_SPENT);
    expect(unb64(after.data?.endpoint)).toBe(unb64(before.data?.endpoint));
    const value = async (name: string) =>
      unb64(
        (await parent.client.get<SecretObject>({ apiVersion: "v1", kind: "Secret", name, namespace: NS })).data?.value,
      );
    expect(await value("edge-control-plane-abcde")).toBe(cloudConfig.replace(token, BOOTSTRAP_TOKEN_SPENT));
    expect(await value("edge-notes")).toBe(cloudConfig); // not Cluster API's bootstrap data: not Lattice's to edit
    // Settled: nothing more to do, and it stays so while the agent is away.
    expect(await settleBootstrapToken(parent.client, place, await link())).toBe("keep");
    expect(await settleBootstrapToken(parent.client, place, "disconnected")).toBe("keep");
  });

  it("refuses to write over a bootstrap Secret that is not Lattice's", async () => {
    const other = { ...place, name: "core" };
    await parent.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: bootstrapSecretName("core"), namespace: NS, labels: { team: "core" } },
      stringData: { token: "theirs" },
    } as KubeObject);
    await expect(writeBootstrapSecret(parent.client, other)).rejects.toThrow(
      /Secret clusters\/core-lattice-bootstrap exists and it lacks Lattice's ownership labels/,
    );
    const live = await parent.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      name: "core-lattice-bootstrap",
      namespace: NS,
    });
    expect(unb64(live.data?.token)).toBe("theirs");
  });
});
