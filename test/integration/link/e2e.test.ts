// The parent link end to end: a real parent and child API server, `lattice cell` and `lattice agent`
// as separate processes, the agent in its own network namespace (no fallback: the test fails, saying
// why, where namespaces cannot be made), running as its ServiceAccount with the RBAC bootstrap
// installed. Token → certificate → stream → heartbeats → status in the parent, then commands.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { KubeClient } from "../../../kube/client";
import { AGENT_NAMESPACE, IDENTITY_SECRET_NAME, KEY_SECRET_NAME } from "../../../agent/api/child";
import {
  enqueueCommand,
  installLinkCrds,
  issueBootstrapToken,
  readLinkStatus,
  waitForResult,
  type BootstrapGrant,
} from "../../../agent/queue";
import type { SecretObject } from "../../../agent/api/types";
import { eventually } from "../../../agent/testkit/wait";
import { eventsText } from "../../harness/events";
import { agentKubeconfig, bootstrapChild } from "./support/child";
import { createChildNetwork, listenersIn, type ChildNetwork } from "./support/netns";
import { startCell, startLattice, type LatticeProc } from "./support/procs";

jest.setTimeout(120_000);

const CAPI_NS = "capi-c1";
const unb64 = (s?: string) => Buffer.from(s ?? "", "base64").toString("utf8");

describe("parent link end to end (child in its own network namespace)", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let network: ChildNetwork;
  let cell: LatticeProc & { ready: { grpcPort: number; bootstrapPort: number } };
  let agent: LatticeProc;
  let grant: BootstrapGrant;
  let agentClient: KubeClient;
  const bootstrapLogs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-e2e-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent" }),
      startControlPlane({ name: "child", crds: ["capi-core"] }),
    ]);
    await installLinkCrds(parent.client);
    network = await createChildNetwork(dir);
    await network.forward(child.port);
    cell = await startCell(parent, dir, { host: network.hostIp });
    grant = await issueBootstrapToken(parent.client, "c1", { ttlSeconds: 600, capiNamespace: CAPI_NS });
    const bs = await bootstrapChild(child, grant, dir, { wrap: network.wrap });
    bootstrapLogs.push(bs.raw);
    if (bs.code !== 0) throw new Error(`bootstrap failed (${bs.code}):\n${bs.raw}`);
    const kubeconfig = await agentKubeconfig(child, dir);
    agentClient = KubeClient.fromKubeconfig(kubeconfig);
    agent = startLattice(
      "agent",
      [
        "agent",
        "--kubeconfig",
        kubeconfig,
        "--health-interval",
        "1s",
        "--backoff-base",
        "200ms",
        "--backoff-max",
        "2s",
      ],
      dir,
      network.wrap,
    );
    await agent.waitFor((l) => l.msg === "link up", "link up", 60_000);
  }, 300_000);

  afterAll(async () => {
    await agent?.proc.stop();
    await cell?.proc.stop();
    agentClient?.close();
    await network?.destroy();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the agent in the child's namespace, where nothing listens on a routable address or can be reached from outside", async () => {
    expect(readlinkSync(`/proc/${agent.proc.pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    const listeners = listenersIn(network.name);
    expect(listeners.length).toBeGreaterThan(0); // the API forwarder, on loopback
    expect(listeners.filter((l) => !l.startsWith("127.0.0.1:"))).toEqual([]);
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect({ host: network.childIp, port: child.port, timeout: 3000 });
      s.on("connect", () => {
        s.destroy();
        resolve("connected");
      });
      s.on("timeout", () => {
        s.destroy();
        resolve("timeout");
      });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
  });

  it("token → certificate → stream → heartbeats → status visible in the parent", async () => {
    // The certificate: issued by the cell CA, for the cluster's identity, with a key made in the child.
    const idSecret = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: AGENT_NAMESPACE,
      name: IDENTITY_SECRET_NAME,
    });
    const cert = new X509Certificate(unb64(idSecret.data?.["tls.crt"]));
    expect(cert.checkIssued(new X509Certificate(grant.caBundle))).toBe(true);
    expect(cert.subject).toContain("CN=c1");
    expect(cert.subjectAltName).toBe("URI:spiffe://lattice.dev/cluster/c1");
    // The stream and the status.
    const version = (await child.client.request<{ gitVersion: string }>("GET", "/version")).gitVersion;
    const first = await eventually(
      async () => {
        const s = await readLinkStatus(parent.client, "c1");
        return s.connected && s.lastHeartbeatTime ? s : undefined;
      },
      "c1 connected in the parent",
      30_000,
    );
    expect(first).toMatchObject({
      state: "connected",
      agentVersion: "0.1.0",
      kubernetesVersion: version,
      protocolVersion: 1,
    });
    expect(first.reported?.capabilities).toEqual(["apply", "import", "pivot", "renew", "status"]);
    expect(first.reported?.cell).toBe(cell.lines().find((l) => l.msg === "cell ready")?.instance);
    // Heartbeats keep arriving: the recorded time moves on.
    await eventually(
      async () =>
        ((await readLinkStatus(parent.client, "c1")).lastHeartbeatTime?.getTime() ?? 0) >
        first.lastHeartbeatTime!.getTime(),
      "a later heartbeat",
      20_000,
    );
    expect(cell.count((l) => l.msg === "stream bound" && l.cluster === "c1")).toBe(1);
  });

  it("reports the child's health: a Ready node appears in the parent's status", async () => {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "cp-0", labels: { "node-role.kubernetes.io/control-plane": "" } },
    };
    await child.client.apply(node);
    await child.client.applyStatus(
      {
        ...node,
        status: {
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              message: "ready",
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      },
      "test",
    );
    const st = await eventually(
      async () => {
        const s = await readLinkStatus(parent.client, "c1");
        return s.health?.nodesTotal === 1 ? s : undefined;
      },
      "health with one node",
      30_000,
    );
    expect(st.health).toMatchObject({ nodesReady: 1, nodesTotal: 1, controlPlaneReady: true });
  });

  it("delivers a status command queued in the parent and returns the agent's report", async () => {
    const h = await enqueueCommand(parent.client, "c1", { kind: "reportStatus" }, { name: "c1-status-1" });
    const out = await waitForResult(parent.client, h, { timeoutMs: 30_000 });
    expect(out.phase).toBe("Succeeded");
    expect(out.attempts).toBe(1);
    expect(out.report?.kubernetesVersion).toMatch(/^v1\./);
    // Idempotent by name: the same name and body is the same command.
    expect((await enqueueCommand(parent.client, "c1", { kind: "reportStatus" }, { name: "c1-status-1" })).uid).toBe(
      h.uid,
    );
  });

  it("applies Cluster API objects and the cluster's own Secrets in the child, as the agent's ServiceAccount", async () => {
    const h = await enqueueCommand(parent.client, "c1", {
      kind: "apply",
      objects: [
        {
          apiVersion: "cluster.x-k8s.io/v1beta2",
          kind: "Cluster",
          metadata: { name: "applied", namespace: CAPI_NS },
          spec: { paused: true },
        },
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "applied-extra", namespace: CAPI_NS, labels: { "cluster.x-k8s.io/cluster-name": "c1" } },
          stringData: { k: "v" },
        },
      ],
    });
    const out = await waitForResult(parent.client, h, { timeoutMs: 30_000 });
    if (out.phase !== "Succeeded") throw new Error(`apply: ${JSON.stringify(out)}`);
    expect(out.objects?.map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      "Cluster/applied:Applied",
      "Secret/applied-extra:Applied",
    ]);
    const live = await child.client.get({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      namespace: CAPI_NS,
      name: "applied",
    });
    const managers = ((live.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map(
      (m) => m.manager,
    );
    expect(managers).toContain("lattice-agent");
  });

  it("imports objects once (pivot): owners re-pointed, status kept, Secrets by reference; existing objects untouched", async () => {
    // In the parent, the cluster's objects and Secrets live in its CAPI namespace, as in the child.
    await parent.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: CAPI_NS } });
    const ownedByImp = {
      ownerReferences: [
        {
          apiVersion: "cluster.x-k8s.io/v1beta2",
          kind: "Cluster",
          name: "imp",
          uid: "00000000-0000-0000-0000-00000000aaaa",
        },
      ],
    };
    await parent.client.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "imp-kubeconfig",
        namespace: CAPI_NS,
        labels: { "cluster.x-k8s.io/cluster-name": "c1" },
        ...ownedByImp,
      },
      stringData: { value: "kubeconfig-of-c1" },
    });
    const body = {
      kind: "import" as const,
      objects: [
        {
          apiVersion: "cluster.x-k8s.io/v1beta2",
          kind: "Cluster",
          metadata: {
            name: "imp",
            namespace: CAPI_NS,
            uid: "00000000-0000-0000-0000-00000000aaaa",
            resourceVersion: "42",
          },
          spec: { paused: true },
          status: { phase: "Provisioned" },
        },
        {
          apiVersion: "cluster.x-k8s.io/v1beta2",
          kind: "Machine",
          metadata: { name: "imp-cp-0", namespace: CAPI_NS },
          spec: {
            clusterName: "imp",
            bootstrap: { dataSecretName: "imp-bootstrap" },
            infrastructureRef: { apiGroup: "infrastructure.cluster.x-k8s.io", kind: "DockerMachine", name: "imp-cp-0" },
          },
          status: { phase: "Running" },
        },
      ],
      secretRefs: [{ namespace: CAPI_NS, name: "imp-kubeconfig" }],
    };
    const first = await waitForResult(parent.client, await enqueueCommand(parent.client, "c1", body), {
      timeoutMs: 30_000,
    });
    if (first.phase !== "Succeeded") throw new Error(`import: ${JSON.stringify(first)}`);
    expect(first.objects?.map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      "Cluster/imp:Created",
      "Machine/imp-cp-0:Created",
      "Secret/imp-kubeconfig:Created",
    ]);
    const cluster = await child.client.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string; uid: string; resourceVersion: string };
      status?: { phase?: string };
    }>({ apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster", namespace: CAPI_NS, name: "imp" });
    expect(cluster.status?.phase).toBe("Provisioned");
    const secret = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: CAPI_NS,
      name: "imp-kubeconfig",
    });
    expect(unb64(secret.data?.value)).toBe("kubeconfig-of-c1");
    expect((secret.metadata as { ownerReferences?: { uid: string }[] }).ownerReferences?.map((o) => o.uid)).toEqual([
      cluster.metadata.uid,
    ]);
    // The imported Machine's phase reaches the parent through the agent's health.
    await eventually(
      async () => (await readLinkStatus(parent.client, "c1")).health?.machinePhases?.Running === 1,
      "machine phases in health",
      30_000,
    );
    // Importing again changes nothing.
    const again = await waitForResult(parent.client, await enqueueCommand(parent.client, "c1", body), {
      timeoutMs: 30_000,
    });
    expect(again.objects?.map((o) => o.action)).toEqual(["Exists", "Exists", "Exists"]);
    const after = await child.client.get({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      namespace: CAPI_NS,
      name: "imp",
    });
    expect((after.metadata as unknown as { resourceVersion: string }).resourceVersion).toBe(
      cluster.metadata.resourceVersion,
    );
  });

  it("rejects a command outside the policy whole: nothing of it is applied", async () => {
    const out = await waitForResult(
      parent.client,
      await enqueueCommand(parent.client, "c1", {
        kind: "apply",
        objects: [
          {
            apiVersion: "cluster.x-k8s.io/v1beta2",
            kind: "Cluster",
            metadata: { name: "never", namespace: CAPI_NS },
            spec: { paused: true },
          },
          { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "evil", namespace: CAPI_NS }, spec: {} },
        ],
      }),
      { timeoutMs: 30_000 },
    );
    expect(out.phase).toBe("Rejected");
    expect(out.objects?.map((o) => o.action)).toEqual(["Error", "Denied"]);
    expect(
      await child.client.getOrUndefined({
        apiVersion: "cluster.x-k8s.io/v1beta2",
        kind: "Cluster",
        namespace: CAPI_NS,
        name: "never",
      }),
    ).toBeUndefined();
  });

  it("refuses, in the cell, to send another cluster's Secret", async () => {
    await parent.client.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "c2-secret", namespace: "default", labels: { "cluster.x-k8s.io/cluster-name": "c2" } },
      stringData: { x: "y" },
    });
    const out = await waitForResult(
      parent.client,
      await enqueueCommand(parent.client, "c1", {
        kind: "import",
        secretRefs: [{ namespace: "default", name: "c2-secret" }],
      }),
      { timeoutMs: 30_000 },
    );
    expect(out.phase).toBe("Rejected");
    expect(out.message).toMatch(/only the cluster's own Secrets/);
  });

  it("gives the agent the RBAC its policy needs and nothing more (no cluster-admin, deletes only in the CAPI namespace)", async () => {
    type Attrs = {
      verb: string;
      group: string;
      resource: string;
      subresource?: string;
      name?: string;
      namespace?: string;
    };
    const can = async (attrs: Attrs) => {
      const r = await agentClient.create<{
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        status?: { allowed?: boolean };
      }>({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        metadata: { name: "" },
        spec: { resourceAttributes: attrs },
      } as never);
      return r.status?.allowed === true;
    };
    const allowed = [
      { verb: "create", group: "cluster.x-k8s.io", resource: "clusters", namespace: CAPI_NS },
      { verb: "patch", group: "infrastructure.cluster.x-k8s.io", resource: "dockerclusters", namespace: CAPI_NS },
      { verb: "patch", group: "cluster.x-k8s.io", resource: "clusters", subresource: "status", namespace: CAPI_NS },
      { verb: "create", group: "", resource: "secrets", namespace: CAPI_NS },
      { verb: "list", group: "", resource: "nodes" },
      { verb: "get", group: "", resource: "secrets", name: IDENTITY_SECRET_NAME, namespace: AGENT_NAMESPACE },
      { verb: "patch", group: "", resource: "secrets", name: KEY_SECRET_NAME, namespace: AGENT_NAMESPACE },
      // A pivot's rollback (agent/child/pivot-policy.ts limits it to the pivot's own copies).
      { verb: "delete", group: "cluster.x-k8s.io", resource: "clusters", namespace: CAPI_NS },
      { verb: "delete", group: "", resource: "secrets", namespace: CAPI_NS },
      { verb: "get", group: "", resource: "namespaces", name: "kube-system" },
    ];
    const denied = [
      { verb: "delete", group: "cluster.x-k8s.io", resource: "clusters", namespace: "kube-system" },
      { verb: "delete", group: "", resource: "secrets", namespace: AGENT_NAMESPACE },
      { verb: "delete", group: "", resource: "configmaps", namespace: AGENT_NAMESPACE },
      { verb: "get", group: "", resource: "namespaces", name: "default" },
      { verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
      { verb: "create", group: "apps", resource: "deployments", namespace: CAPI_NS },
      { verb: "patch", group: "apps", resource: "deployments", namespace: AGENT_NAMESPACE },
      { verb: "create", group: "cluster.x-k8s.io", resource: "clusters", namespace: "kube-system" },
      { verb: "get", group: "", resource: "secrets", namespace: "kube-system" },
      { verb: "get", group: "", resource: "secrets", name: "other", namespace: AGENT_NAMESPACE },
      { verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
      { verb: "delete", group: "", resource: "nodes" },
      { verb: "*", group: "*", resource: "*" },
    ];
    for (const a of allowed) expect({ ...a, allowed: await can(a) }).toEqual({ ...a, allowed: true });
    for (const a of denied) expect({ ...a, allowed: await can(a) }).toEqual({ ...a, allowed: false });
  });

  it("never writes the token or a private key to any log or Event", async () => {
    const keySecret = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: AGENT_NAMESPACE,
      name: KEY_SECRET_NAME,
    });
    const caSecret = await parent.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "lattice-system",
      name: "lattice-cell-ca",
    });
    const secrets = [
      grant.token,
      grant.token.slice(4, 24),
      keyBody(unb64(keySecret.data?.["tls.key"])),
      keyBody(unb64(caSecret.data?.["tls.key"])),
    ];
    const logs = [
      cell.raw(),
      agent.raw(),
      ...bootstrapLogs,
      await eventsText(parent.client),
      await eventsText(child.client),
    ];
    expect(logs.join("").length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(15);
      for (const text of logs) expect(text.includes(s)).toBe(false);
    }
  });
});

/** The base64 body of a PEM key (what would leak if a key were logged). */
function keyBody(pem: string): string {
  return pem
    .replace(/-----[A-Z ]+-----/g, "")
    .replace(/\s+/g, "")
    .slice(0, 40);
}
