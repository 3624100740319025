import type { AgentCommand, SecretObject } from "../api/types";
import type { CommandResult__Output } from "../protocol/load";
import { CommandBuildError, forTransfer, statusFromResult, toWireCommand } from "./command-wire";

const cmd = (spec: AgentCommand["spec"]): AgentCommand => ({
  apiVersion: "agent.lattice.dev/v1alpha1",
  kind: "AgentCommand",
  metadata: { name: "n", namespace: "lattice-system", uid: "u-1" },
  spec,
});
const noSecrets = async () => undefined;

describe("commands on the wire", () => {
  it("carry applied objects as JSON without server-owned metadata", async () => {
    const obj = {
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      metadata: {
        name: "c1",
        namespace: "default",
        uid: "x",
        resourceVersion: "9",
        managedFields: [],
        labels: { a: "b" },
      },
      spec: { paused: true },
    };
    const wire = await toWireCommand(cmd({ cluster: "c1", apply: { objects: [obj] } }), noSecrets);
    expect(wire).toMatchObject({ id: "u-1", cluster: "c1" });
    expect(JSON.parse(wire.apply!.objectsJson![0]!)).toEqual({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      metadata: { name: "c1", namespace: "default", labels: { a: "b" } },
      spec: { paused: true },
    });
  });

  it("inline the cluster's own Secrets an import references, and refuse any other", async () => {
    const own: SecretObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "c1-ca", namespace: "default", uid: "s", labels: { "cluster.x-k8s.io/cluster-name": "c1" } },
      data: { "tls.crt": "eA==" },
    };
    const other: SecretObject = {
      ...own,
      metadata: { ...own.metadata, name: "c2-ca", labels: { "cluster.x-k8s.io/cluster-name": "c2" } },
    };
    const read = async (_ns: string, name: string) =>
      (({ "c1-ca": own, "c2-ca": other }) as Record<string, SecretObject>)[name];
    const wire = await toWireCommand(
      cmd({ cluster: "c1", import: { secretRefs: [{ namespace: "default", name: "c1-ca" }] } }),
      read,
    );
    const sent = JSON.parse(wire.importObjects!.objectsJson![0]!) as SecretObject;
    expect(sent).toMatchObject({ kind: "Secret", metadata: { name: "c1-ca" }, data: { "tls.crt": "eA==" } });
    expect((sent.metadata as { uid?: string }).uid).toBeUndefined();
    await expect(
      toWireCommand(cmd({ cluster: "c1", import: { secretRefs: [{ namespace: "default", name: "c2-ca" }] } }), read),
    ).rejects.toThrow(CommandBuildError);
    await expect(
      toWireCommand(cmd({ cluster: "c1", import: { secretRefs: [{ namespace: "default", name: "gone" }] } }), read),
    ).rejects.toThrow(/does not exist/);
  });

  it("carry a status request", async () => {
    expect(await toWireCommand(cmd({ cluster: "c1", reportStatus: {} }), noSecrets)).toEqual({
      id: "u-1",
      cluster: "c1",
      reportStatus: {},
    });
  });

  it("strip nothing but server fields", () => {
    const o = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "a", namespace: "b", ownerReferences: [{ uid: "1" }], generation: 3 },
      type: "Opaque",
    };
    expect(forTransfer(o)).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "a", namespace: "b", ownerReferences: [{ uid: "1" }] },
      type: "Opaque",
    });
  });
});

describe("results into status", () => {
  const result = (r: Partial<CommandResult__Output>): CommandResult__Output =>
    ({
      commandId: "u-1",
      outcome: "SUCCEEDED",
      message: "",
      objects: [],
      status: null,
      finishedUnixMs: 1_700_000_000_000,
      ...r,
    }) as CommandResult__Output;

  it.each([
    ["SUCCEEDED", "Succeeded", ""],
    ["FAILED", "Failed", "boom"],
    ["REJECTED", "Rejected", "boom"],
    ["UNSUPPORTED", "Rejected", "the agent does not support this command kind: boom"],
    [7, "Failed", "unknown outcome 7: boom"],
  ])("outcome %s becomes phase %s", (outcome, phase, message) => {
    const st = statusFromResult(
      result({ outcome: outcome as CommandResult__Output["outcome"], message: outcome === "SUCCEEDED" ? "" : "boom" }),
      0,
    );
    expect(st.phase).toBe(phase);
    expect(st.message ?? "").toBe(message);
    expect(st.completedTime).toBe("2023-11-14T22:13:20.000Z");
  });

  it("keeps per-object outcomes and a status report", () => {
    const st = statusFromResult(
      result({
        objects: [{ apiVersion: "v1", kind: "Secret", namespace: "d", name: "s", action: "DENIED", message: "no" }],
        status: {
          agentVersion: "a",
          kubernetesVersion: "v1.35.0",
          fipsMode: true,
          health: {
            nodesReady: 1,
            nodesTotal: 2,
            controlPlaneReady: true,
            machinePhases: { Running: 2 },
            observedUnixMs: 5,
          },
        },
      }),
      0,
    );
    expect(st.objects).toEqual([
      { apiVersion: "v1", kind: "Secret", namespace: "d", name: "s", action: "Denied", message: "no" },
    ]);
    expect(st.report).toEqual({
      agentVersion: "a",
      kubernetesVersion: "v1.35.0",
      fipsMode: true,
      health: { nodesReady: 1, nodesTotal: 2, controlPlaneReady: true, machinePhases: { Running: 2 } },
    });
  });
});
