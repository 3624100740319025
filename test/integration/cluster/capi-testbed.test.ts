// The real Cluster API core manager runs against our API server: its webhooks default and validate
// v1beta2 objects, its CRD conversion serves v1beta1 reads, and it reconciles a Cluster.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeError } from "../../../kube/client";
import { startCapi, type CapiManager } from "../../harness/capi";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";

jest.setTimeout(180_000);

let cp: ControlPlane;
let capi: CapiManager;

beforeAll(async () => {
  cp = await startControlPlane({ name: "capi" });
  capi = await startCapi(cp);
});
afterAll(async () => {
  await capi?.stop();
  await cp?.stop();
});

const cluster = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Cluster",
  metadata: { name, namespace: "default" },
  spec: {
    clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] } },
    infrastructureRef: { apiGroup: "infrastructure.cluster.x-k8s.io", kind: "DockerCluster", name },
    controlPlaneRef: { apiGroup: "controlplane.cluster.x-k8s.io", kind: "KubeadmControlPlane", name },
    ...extra,
  },
});

test("the manager's validating webhook is called: an invalid Cluster is refused by CAPI itself", async () => {
  // Valid by the CRD schema, refused by CAPI's webhook: topology needs the ClusterTopology gate.
  const bad = cluster("bad", { topology: { classRef: { name: "some-class" }, version: "v1.36.3" } });
  const err = await cp.client.apply(bad).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KubeError);
  expect((err as KubeError).message).toMatch(/admission webhook ".*cluster\.x-k8s\.io" (denied|returned)/);
});

test("a v1beta2 Cluster is reconciled: phase, finalizer and conditions appear", async () => {
  await cp.client.apply(cluster("demo"));
  type Live = { metadata: { finalizers?: string[] }; status?: { phase?: string; conditions?: unknown[] } };
  let live: Live | undefined;
  for (let i = 0; i < 100; i++) {
    live = (await cp.client.get({
      apiVersion: "cluster.x-k8s.io/v1beta2",
      kind: "Cluster",
      name: "demo",
      namespace: "default",
    })) as unknown as Live;
    if (live?.status?.phase && live.metadata.finalizers?.length && live.status.conditions?.length) break;
    await sleep(200);
  }
  expect(["Pending", "Provisioning"]).toContain(live?.status?.phase);
  expect(live?.metadata.finalizers).toContain("cluster.cluster.x-k8s.io");
  expect(live?.status?.conditions?.length).toBeGreaterThan(0);
});

test("conversion is served by the manager: the Cluster reads back as v1beta1", async () => {
  const old = await cp.client.get({
    apiVersion: "cluster.x-k8s.io/v1beta1",
    kind: "Cluster",
    name: "demo",
    namespace: "default",
  });
  expect(old.apiVersion).toBe("cluster.x-k8s.io/v1beta1");
  expect((old.spec as { infrastructureRef: { apiVersion?: string } }).infrastructureRef.apiVersion).toMatch(
    /^infrastructure\.cluster\.x-k8s\.io\//,
  );
});
