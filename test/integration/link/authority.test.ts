// The agent's authority, narrowed (issue 18): a real parent and child API server with the upstream
// Cluster API CRDs, `lattice cell` and `lattice agent` as processes, the agent running as its
// ServiceAccount with the RBAC the bootstrap installed. Commands queued in the parent show what the
// agent refuses: a kind outside its table, a kind by the wrong command, a Secret of the cluster's
// name that exists without the cluster's label, and any write when its CAPI namespace is its own.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startControlPlane, stopAll, type ControlPlane } from "../../harness/controlplane";
import { KubeClient } from "../../../kube/client";
import type { KubeObject } from "../../../core/k8s/object";
import { AGENT_NAMESPACE, IDENTITY_SECRET_NAME } from "../../../agent/api/child";
import { CAPI_KINDS } from "../../../agent/child/capi-kinds";
import {
  enqueueCommand,
  installLinkCrds,
  issueBootstrapToken,
  waitForResult,
  type CommandBody,
} from "../../../agent/queue";
import type { SecretObject } from "../../../agent/api/types";
import { agentKubeconfig, bootstrapChild } from "./support/child";
import { startCell, startLattice, type LatticeProc } from "./support/procs";

jest.setTimeout(120_000);

const CAPI_NS = "capi-c1";
const OWN = { "cluster.x-k8s.io/cluster-name": "c1" };
const unb64 = (s?: string) => Buffer.from(s ?? "", "base64").toString("utf8");

describe("the agent's authority (real cell, real agent as its ServiceAccount)", () => {
  let dir: string;
  let parent: ControlPlane;
  let child: ControlPlane;
  let cell: LatticeProc;
  let agent: LatticeProc;
  let agentClient: KubeClient;
  let kubeconfig: string;

  const run = async (body: CommandBody) =>
    waitForResult(parent.client, await enqueueCommand(parent.client, "c1", body), { timeoutMs: 30_000 });
  const startAgent = async (name: string) => {
    const a = startLattice(name, ["agent", "--kubeconfig", kubeconfig, "--backoff-base", "200ms"], dir);
    await a.waitFor((l) => l.msg === "link up", "link up", 60_000);
    return a;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lattice-link-authority-"));
    [parent, child] = await Promise.all([
      startControlPlane({ name: "parent", controllerManager: false }),
      startControlPlane({ name: "child", controllerManager: false, crds: ["capi-core", "capi-kubeadm", "capd"] }),
    ]);
    await installLinkCrds(parent.client);
    cell = await startCell(parent, dir, { host: "127.0.0.1" });
    const grant = await issueBootstrapToken(parent.client, "c1", { ttlSeconds: 600, capiNamespace: CAPI_NS });
    const bs = await bootstrapChild(child, grant, dir);
    if (bs.code !== 0) throw new Error(`bootstrap failed (${bs.code}):\n${bs.raw}`);
    kubeconfig = await agentKubeconfig(child, dir);
    agentClient = KubeClient.fromKubeconfig(kubeconfig);
    agent = await startAgent("agent");
  }, 300_000);

  afterAll(async () => {
    await agent?.proc.stop();
    await cell?.proc.stop();
    agentClient?.close();
    await stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("names each kind by the resource its upstream CRD serves (so the rendered RBAC grants what the policy allows)", async () => {
    const crds = await child.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    const served = new Map(
      crds.map((c) => {
        const s = c.spec as { group: string; names: { kind: string; plural: string } };
        return [`${s.group}/${s.names.kind}`, s.names.plural];
      }),
    );
    const checked = CAPI_KINDS.filter((k) => served.has(`${k.group}/${k.kind}`));
    // Core, kubeadm and Docker kinds are installed here; RKE2, AWS, OpenStack, Proxmox are not.
    expect(checked.map((k) => k.kind).sort()).toEqual([
      "Cluster",
      "DockerCluster",
      "DockerMachine",
      "DockerMachineTemplate",
      "IPAddress",
      "IPAddressClaim",
      "KubeadmConfig",
      "KubeadmConfigTemplate",
      "KubeadmControlPlane",
      "Machine",
      "MachineDeployment",
      "MachineHealthCheck",
      "MachineSet",
    ]);
    for (const k of checked)
      expect({ kind: k.kind, resource: k.resource }).toEqual({
        kind: k.kind,
        resource: served.get(`${k.group}/${k.kind}`),
      });
  });

  it("refuses a kind outside its table (ClusterResourceSet: root on the nodes) and RBAC refuses it too", async () => {
    const crs: KubeObject = {
      apiVersion: "addons.cluster.x-k8s.io/v1beta2",
      kind: "ClusterResourceSet",
      metadata: { name: "everywhere", namespace: CAPI_NS },
      spec: { clusterSelector: {}, resources: [{ kind: "ConfigMap", name: "payload" }] },
    };
    const out = await run({ kind: "apply", objects: [crs] });
    expect(out.phase).toBe("Rejected");
    expect(out.objects?.map((o) => `${o.kind}:${o.action}`)).toEqual(["ClusterResourceSet:Denied"]);
    expect(out.objects?.[0]?.message).toMatch(/not allowed over the link/);
    const ref = { apiVersion: crs.apiVersion, kind: crs.kind, namespace: CAPI_NS, name: "everywhere" };
    expect(await child.client.getOrUndefined(ref)).toBeUndefined();
    // The second line of defence: the agent's ServiceAccount cannot create one either.
    const review = await agentClient.create<KubeObject & { status?: { allowed?: boolean } }>({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      metadata: { name: "" },
      spec: {
        resourceAttributes: {
          verb: "create",
          group: "addons.cluster.x-k8s.io",
          resource: "clusterresourcesets",
          namespace: CAPI_NS,
        },
      },
    } as KubeObject);
    expect(review.status?.allowed).toBe(false);
  });

  it("refuses a per-machine KubeadmConfig by apply, and takes it by import (a pivot moves it with its Machine)", async () => {
    const config = (name: string): KubeObject => ({
      apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2",
      kind: "KubeadmConfig",
      metadata: { name, namespace: CAPI_NS, labels: OWN },
      spec: { postKubeadmCommands: ["echo hello"] },
    });
    const applied = await run({ kind: "apply", objects: [config("by-apply")] });
    expect(applied.phase).toBe("Rejected");
    expect(applied.objects?.[0]?.message).toMatch(/written only by import over the link, not by apply/);
    const imported = await run({ kind: "import", objects: [config("by-import")] });
    expect(imported.phase).toBe("Succeeded");
    const ref = { apiVersion: "bootstrap.cluster.x-k8s.io/v1beta2", kind: "KubeadmConfig", namespace: CAPI_NS };
    expect(await child.client.getOrUndefined({ ...ref, name: "by-apply" })).toBeUndefined();
    expect(await child.client.getOrUndefined({ ...ref, name: "by-import" })).toBeDefined();
  });

  it("does not overwrite a Secret that exists without the cluster's label, whatever label the parent sends", async () => {
    await child.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: CAPI_NS } });
    await child.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "team-credentials", namespace: CAPI_NS, labels: { team: "payments" } },
      stringData: { password: "theirs" },
    } as KubeObject);
    const takeover: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "team-credentials", namespace: CAPI_NS, labels: OWN },
      stringData: { password: "the-parents" },
    } as KubeObject;
    for (const kind of ["apply", "import"] as const) {
      const out = await run({ kind, objects: [takeover] });
      expect({ kind, phase: out.phase }).toEqual({ kind, phase: "Rejected" });
      expect(out.objects?.[0]?.action).toBe("Denied");
      expect(out.objects?.[0]?.message).toMatch(
        /exists in the child without the label cluster.x-k8s.io\/cluster-name=c1/,
      );
    }
    const live = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: CAPI_NS,
      name: "team-credentials",
    });
    expect(unb64(live.data?.password)).toBe("theirs");
    expect(live.metadata.labels).toEqual({ team: "payments" });
    // The cluster's own Secret is still written: created once, then applied over itself.
    const own: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "c1-own", namespace: CAPI_NS, labels: OWN },
      stringData: { v: "1" },
    } as KubeObject;
    expect((await run({ kind: "apply", objects: [own] })).phase).toBe("Succeeded");
    const second = await run({ kind: "apply", objects: [{ ...own, stringData: { v: "2" } } as KubeObject] });
    expect(second.phase).toBe("Succeeded");
    const ownLive = await child.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: CAPI_NS,
      name: "c1-own",
    });
    expect(unb64(ownLive.data?.v)).toBe("2");
  });

  it("refuses the link's namespace as the CAPI namespace: at issue, and in an agent whose identity says so", async () => {
    await expect(
      issueBootstrapToken(parent.client, "c9", { ttlSeconds: 600, capiNamespace: "lattice-system" }),
    ).rejects.toThrow(/the link's own namespace/);
    // An identity from before the issue-time check (or edited in the child): the agent comes up,
    // says that it will refuse every write, and does.
    await agent.proc.stop();
    await child.client.request(
      "PATCH",
      `/api/v1/namespaces/${AGENT_NAMESPACE}/secrets/${IDENTITY_SECRET_NAME}`,
      { stringData: { "capi-namespace": AGENT_NAMESPACE } },
      "application/merge-patch+json",
    );
    agent = await startAgent("agent-own-namespace");
    expect(agent.lines().some((l) => l.msg === "every apply and import will be refused")).toBe(true);
    const out = await run({
      kind: "apply",
      objects: [
        {
          apiVersion: "cluster.x-k8s.io/v1beta2",
          kind: "Cluster",
          metadata: { name: "inside", namespace: AGENT_NAMESPACE },
          spec: { paused: true },
        },
      ],
    });
    expect(out.phase).toBe("Rejected");
    expect(out.objects?.[0]?.message).toMatch(/the agent's own namespace/);
    expect(
      await child.client.getOrUndefined({
        apiVersion: "cluster.x-k8s.io/v1beta2",
        kind: "Cluster",
        namespace: AGENT_NAMESPACE,
        name: "inside",
      }),
    ).toBeUndefined();
  });
});
