// Drift on recorded object states: the live objects below are shaped as kube-apiserver 1.36 returns
// them (managedFields recorded from the test bed: an apply of `spec: {}` owns `f:spec` whole, a
// forced `kubectl apply` of a Cilium rule takes the atomic `f:ingress` list, and so on).
import type { KubeObject } from "../../core/k8s/object";
import { describeDrift, driftOf, observed, repairPatch, type Drift } from "./drift";
import { formatPath } from "./fields";
import { CREATED_ANNOTATION, CREATOR_MANAGER } from "./ownership";

const OURS = "lattice.policy.shop.api";
const isOurs = (m: string) => m === OURS;

type Entry = { manager: string; fieldsV1: unknown; operation?: string; subresource?: string };
const entry = (manager: string, fieldsV1: unknown, extra: Partial<Entry> = {}): Entry => ({
  manager,
  operation: "Apply",
  fieldsV1,
  ...extra,
});

/** A live object: the desired one plus server metadata, with `changes` merged in and these managers. */
function live(desired: KubeObject, managedFields: Entry[], changes: Record<string, unknown> = {}): KubeObject {
  const base = structuredClone(desired);
  return {
    ...base,
    ...changes,
    metadata: {
      ...base.metadata,
      ...((changes.metadata as object) ?? {}),
      uid: "0b6c5f4e-0000-4000-8000-000000000001",
      resourceVersion: "4711",
      generation: 2,
      creationTimestamp: "2026-12-03T08:32:40Z",
      managedFields,
    } as KubeObject["metadata"],
  };
}

const labels = { "app.kubernetes.io/managed-by": "lattice", "lattice.dev/service": "api" };
const ourMeta = { "f:metadata": { "f:labels": { "f:app.kubernetes.io/managed-by": {}, "f:lattice.dev/service": {} } } };

const allowNothing: KubeObject = {
  apiVersion: "security.istio.io/v1",
  kind: "AuthorizationPolicy",
  metadata: { name: "lattice.allow-nothing", namespace: "shop", labels },
  spec: {},
};
const cnp: KubeObject = {
  apiVersion: "cilium.io/v2",
  kind: "CiliumNetworkPolicy",
  metadata: { name: "api", namespace: "shop", labels },
  spec: {
    endpointSelector: { matchLabels: { "lattice.dev/service": "api" } },
    ingress: [{ fromEndpoints: [{ matchLabels: { "lattice.dev/service": "web" } }] }],
  },
};
const serviceEntry: KubeObject = {
  apiVersion: "networking.istio.io/v1",
  kind: "ServiceEntry",
  metadata: { name: "stripe", namespace: "shop", labels },
  spec: { hosts: ["api.stripe.com"], ports: [{ name: "https", number: 443, protocol: "TLS" }], resolution: "DNS" },
};
const peerAuth: KubeObject = {
  apiVersion: "security.istio.io/v1",
  kind: "PeerAuthentication",
  metadata: { name: "lattice.strict-mtls", namespace: "shop", labels },
  spec: { mtls: { mode: "STRICT" } },
};
const record: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "lattice.service.api", namespace: "shop", labels },
  data: { "declarations.json": '{"kind":"LatticeService"}' },
};
const namespace: KubeObject = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "shop", labels: { ...labels, "istio.io/dataplane-mode": "ambient" } },
};
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "shop", labels },
  spec: { replicas: 2 },
};
const capiCluster: KubeObject = {
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Cluster",
  metadata: { name: "edge", namespace: "clusters", labels },
  spec: { topology: { version: "v1.36.3" } },
};

const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
const created = { metadata: { annotations: { [CREATED_ANNOTATION]: "true" } } };
const creatorEntry = entry(CREATOR_MANAGER, { "f:metadata": { "f:annotations": { [`f:${CREATED_ANNOTATION}`]: {} } } });
const nsLabelsOf = (extra: Record<string, string>) => ({
  ...(namespace.metadata.labels as Record<string, string>),
  "kubernetes.io/metadata.name": "shop",
  ...extra,
});

/** [what happened, desired, live, expected drift as "path change by"] */
const cases: [string, KubeObject, KubeObject | undefined, string[]][] = [
  ["a policy as applied (server metadata only) is in sync", cnp, live(cnp, [entry(OURS, { "f:spec": {} })]), []],
  ["an object deleted by hand is missing", record, undefined, ["(the whole object) missing"]],
  [
    "allow-nothing `spec: {}` edited to `rules: [{}]` (allow everything)",
    allowNothing,
    live(allowNothing, [entry("kubectl", { "f:spec": { "f:rules": {} } }), entry(OURS, { "f:spec": {} })], {
      spec: { rules: [{}] },
    }),
    ["spec.rules added by kubectl"],
  ],
  [
    "an extra fromEntities: [world] inside an existing Cilium rule",
    cnp,
    live(cnp, [entry("kubectl", { "f:spec": { "f:endpointSelector": {}, "f:ingress": {} } })], {
      spec: { ...spec(cnp), ingress: [{ ...(spec(cnp).ingress as object[])[0], fromEntities: ["world"] }] },
    }),
    ["spec.ingress[0].fromEntities added by kubectl"],
  ],
  [
    "a second policy body beside spec (CiliumNetworkPolicy `specs`)",
    cnp,
    live(cnp, [entry("kubectl-edit", { "f:specs": {} }, { operation: "Update" })], {
      specs: [{ endpointSelector: {}, ingress: [{ fromEntities: ["all"] }] }],
    }),
    ["specs added by kubectl-edit"],
  ],
  [
    "mTLS relaxed from STRICT to PERMISSIVE",
    peerAuth,
    live(peerAuth, [entry("kubectl-patch", { "f:spec": { "f:mtls": { "f:mode": {} } } }, { operation: "Update" })], {
      spec: { mtls: { mode: "PERMISSIVE" } },
    }),
    ["spec.mtls.mode changed by kubectl-patch"],
  ],
  [
    "a host added to a ServiceEntry",
    serviceEntry,
    live(serviceEntry, [entry("kubectl", { "f:spec": { "f:hosts": {} } })], {
      spec: { ...spec(serviceEntry), hosts: ["api.stripe.com", "evil.example.com"] },
    }),
    ["spec.hosts changed by kubectl"],
  ],
  [
    "a port added to a ServiceEntry's keyed list",
    serviceEntry,
    live(
      serviceEntry,
      [
        entry("kubectl", {
          "f:spec": { "f:ports": { 'k:{"name":"ssh"}': { ".": {}, "f:name": {}, "f:number": {} } } },
        }),
      ],
      {
        spec: {
          ...spec(serviceEntry),
          ports: [...(spec(serviceEntry).ports as object[]), { name: "ssh", number: 22 }],
        },
      },
    ),
    ["spec.ports changed by kubectl"],
  ],
  [
    "a Lattice label on a policy changed",
    cnp,
    live(cnp, [entry("kubectl-label", { "f:metadata": { "f:labels": { "f:lattice.dev/service": {} } } })], {
      metadata: { labels: { ...labels, "lattice.dev/service": "web" } },
    }),
    ['metadata.labels["lattice.dev/service"] changed by kubectl-label'],
  ],
  [
    "status written by the mesh (a subresource) is not drift",
    allowNothing,
    live(allowNothing, [entry("pilot-discovery", { "f:status": {} }, { subresource: "status", operation: "Update" })], {
      status: { validationMessages: [] },
    }),
    [],
  ],
  [
    "a record's declarations changed",
    record,
    live(record, [entry("kubectl-edit", { "f:data": { "f:declarations.json": {} } }, { operation: "Update" })], {
      data: { "declarations.json": '{"kind":"LatticeService","resources":{"x":{}}}' },
    }),
    ['data["declarations.json"] changed by kubectl-edit'],
  ],
  [
    "a key and a label another manager added to a record",
    record,
    live(
      record,
      [
        entry(OURS, { "f:data": { "f:declarations.json": {} }, ...ourMeta }),
        entry("kubectl-edit", { "f:data": { "f:extra": {} }, "f:metadata": { "f:labels": { "f:team": {} } } }),
      ],
      { data: { ...(record.data as object), extra: "1" }, metadata: { labels: { ...labels, team: "x" } } },
    ),
    ["data.extra added by kubectl-edit", "metadata.labels.team added by kubectl-edit"],
  ],
  [
    "finalizers and owner references another manager added are bookkeeping, not drift",
    record,
    live(
      record,
      [entry("some-controller", { "f:metadata": { "f:finalizers": { 'v:"x/y"': {} }, "f:ownerReferences": {} } })],
      { metadata: { finalizers: ["x/y"], ownerReferences: [{ kind: "X", name: "y" }] } },
    ),
    [],
  ],
  [
    "a label added to a namespace Lattice created",
    namespace,
    live(
      namespace,
      [creatorEntry, entry("kubectl-label", { "f:metadata": { "f:labels": { "f:istio.io/use-waypoint": {} } } })],
      {
        metadata: { ...created.metadata, labels: nsLabelsOf({ "istio.io/use-waypoint": "egress" }) },
        spec: { finalizers: ["kubernetes"] },
      },
    ),
    ['metadata.labels["istio.io/use-waypoint"] added by kubectl-label'],
  ],
  [
    "a namespace Lattice created, as the server keeps it (its name label owned by nobody)",
    namespace,
    live(namespace, [creatorEntry], { metadata: { ...created.metadata, labels: nsLabelsOf({}) } }),
    [],
  ],
  [
    "a namespace Lattice joined: its creator's labels are theirs, not drift",
    namespace,
    live(namespace, [entry("kubectl-create", { "f:metadata": { "f:labels": { ".": {}, "f:team": {} } } })], {
      metadata: { labels: nsLabelsOf({ team: "x" }) },
    }),
    [],
  ],
  [
    "a namespace Lattice joined loses the ambient label",
    namespace,
    live(namespace, [entry("kubectl-label", { "f:metadata": { "f:labels": { "f:istio.io/dataplane-mode": {} } } })], {
      metadata: { labels: nsLabelsOf({ "istio.io/dataplane-mode": "none" }) },
    }),
    ['metadata.labels["istio.io/dataplane-mode"] changed by kubectl-label'],
  ],
  [
    "what the control plane adds to a workload is not drift",
    deployment,
    live(
      deployment,
      [
        entry(
          "kube-controller-manager",
          { "f:metadata": { "f:annotations": { ".": {}, "f:deployment.kubernetes.io/revision": {} } } },
          { operation: "Update" },
        ),
      ],
      { metadata: { annotations: { "deployment.kubernetes.io/revision": "1" } } },
    ),
    [],
  ],
  [
    "what a Cluster API controller adds to a Cluster is not drift (only the fields Lattice set count)",
    capiCluster,
    live(capiCluster, [entry("manager", { "f:spec": { "f:controlPlaneEndpoint": {} } }, { operation: "Update" })], {
      spec: { ...spec(capiCluster), controlPlaneEndpoint: { host: "10.0.0.1", port: 6443 } },
    }),
    [],
  ],
  [
    "a field Lattice set on a Cluster changed",
    capiCluster,
    live(capiCluster, [entry("kubectl-edit", { "f:spec": { "f:topology": { "f:version": {} } } })], {
      spec: { topology: { version: "v1.35.0" } },
    }),
    ["spec.topology.version changed by kubectl-edit"],
  ],
];

const show = (d: Drift) => `${formatPath(d.path)} ${d.change}${d.by.length ? ` by ${d.by.join(",")}` : ""}`;

test.each(cases)("%s", (_what, desired, liveObject, expected) => {
  expect(driftOf(desired, liveObject, isOurs).map(show)).toEqual(expected);
});

test("preview lines name the object and the field", () => {
  const [, desired, l] = cases.find(([w]) => w.startsWith("allow-nothing"))!;
  expect(describeDrift(desired, driftOf(desired, l, isOurs))).toEqual([
    "AuthorizationPolicy/shop/lattice.allow-nothing: spec.rules added (by kubectl)",
  ]);
  expect(describeDrift(record, driftOf(record, undefined, isOurs))).toEqual([
    "ConfigMap/shop/lattice.service.api: missing from the cluster",
  ]);
});

describe("repairPatch: what a forced apply cannot undo, as a JSON patch guarded by the resourceVersion", () => {
  test("removes a rule someone else added to the allow-nothing policy", () => {
    const l = live(allowNothing, [entry("kubectl", { "f:spec": { "f:rules": {} } }), entry(OURS, { "f:spec": {} })], {
      spec: { rules: [{}] },
    });
    expect(repairPatch(allowNothing, l, isOurs)).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "4711" },
      { op: "remove", path: "/spec/rules" },
    ]);
  });

  test("removes others' keys and labels (JSON-pointer escaped), nothing of the control plane's", () => {
    const l = live(
      record,
      [
        entry("kubectl-edit", {
          "f:data": { "f:extra": {} },
          "f:metadata": { "f:labels": { "f:example.com/team": {} } },
        }),
        entry("kube-controller-manager", { "f:metadata": { "f:annotations": { "f:x": {} } } }),
      ],
      {
        data: { ...(record.data as object), extra: "1" },
        metadata: { labels: { ...labels, "example.com/team": "x" }, annotations: { x: "1" } },
      },
    );
    expect(repairPatch(record, l, isOurs)).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "4711" },
      { op: "remove", path: "/metadata/labels/example.com~1team" },
      { op: "remove", path: "/data/extra" },
    ]);
  });

  test("puts a keyed list back whole when someone added an element (a port on a Service)", () => {
    const svc: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "shop", labels },
      spec: { ports: [{ name: "http", port: 80 }] },
    };
    const ports = [
      { name: "http", port: 80, protocol: "TCP", targetPort: 80 },
      { name: "ssh", port: 22, protocol: "TCP", targetPort: 22 },
    ];
    const l = live(
      svc,
      [
        entry(OURS, { "f:spec": { "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:name": {} } } } }),
        entry("kubectl", { "f:spec": { "f:ports": { 'k:{"port":22,"protocol":"TCP"}': { ".": {}, "f:name": {} } } } }),
      ],
      { spec: { ports } },
    );
    expect(driftOf(svc, l, isOurs).map(show)).toEqual([`spec.ports changed by kubectl,${OURS}`]);
    expect(repairPatch(svc, l, isOurs)).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "4711" },
      { op: "replace", path: "/spec/ports", value: [{ name: "http", port: 80 }] },
    ]);
  });

  test("is empty when the object is in sync", () => {
    expect(repairPatch(cnp, live(cnp, [entry(OURS, { "f:spec": {} })]), isOurs)).toEqual([]);
  });
});

describe("observed: what refresh records", () => {
  test("a policy: its whole live body, so an added rule shows in the state", () => {
    const l = live(allowNothing, [entry("kubectl", { "f:spec": { "f:rules": {} } })], { spec: { rules: [{}] } });
    expect(observed(allowNothing, l, isOurs)).toEqual({ ...allowNothing, spec: { rules: [{}] } });
  });

  test("an owned object: the fields set, widened to what others added", () => {
    const l = live(record, [entry("kubectl-edit", { "f:data": { "f:extra": {} } })], {
      data: { ...(record.data as object), extra: "1" },
    });
    expect(observed(record, l, isOurs).data).toEqual({ ...(record.data as object), extra: "1" });
    expect(observed(record, l, isOurs).metadata).toEqual(record.metadata);
  });

  test("in sync: exactly the document", () => {
    expect(observed(cnp, live(cnp, []), isOurs)).toEqual(cnp);
    expect(observed(record, live(record, []), isOurs)).toEqual(record);
  });
});
