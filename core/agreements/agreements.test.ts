import {
  compileDeclarationRecord,
  declarationsOf,
  oneSidedAgreements,
  readDeclarationRecords,
  type DeclarationRecord,
} from ".";
import type { LatticeService } from "../spec";
import { validateDocument } from "../spec";

function service(name: string, resources: Record<string, unknown>, namespace?: string): LatticeService {
  const v = validateDocument(
    {
      apiVersion: "lattice.dev/v1alpha1",
      kind: "LatticeService",
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: {
        containers: { main: { image: "nginx:1.27", variables: { DB_PASSWORD: "hunter2" } } },
        service: { ports: { http: { port: 8080 } } },
        resources,
      },
    },
    { file: "test", doc: 1 },
    "LatticeService",
  );
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.value;
}
const out = (type = "service") => ({ type, direction: "outbound" });
const inb = { type: "service", direction: "inbound" };

test("a record keeps only declarations (no containers or variables) and reads back", () => {
  const doc = service("api", {
    postgres: out(),
    frontend: inb,
    cache: { type: "volume", id: "c", params: { size: "1Gi" } },
  });
  const cm = compileDeclarationRecord(doc, "shop");
  expect(cm.metadata).toMatchObject({ name: "lattice.service.api", namespace: "shop" });
  expect(JSON.stringify(cm)).not.toContain("hunter2");
  expect(JSON.stringify(cm)).not.toContain("nginx");
  const { records, unreadable } = readDeclarationRecords([
    cm,
    { ...cm, metadata: { name: "bad", namespace: "shop" }, data: { "declarations.json": "{" } },
  ]);
  expect(unreadable).toEqual(["shop/bad"]);
  expect(records).toEqual([declarationsOf(doc, "shop")]);
  expect(Object.keys((records[0] as Extract<DeclarationRecord, { kind: "LatticeService" }>).resources)).toEqual([
    "postgres",
    "frontend",
  ]);
});

test("bilateral agreements are not reported; each missing half is, naming the declaration", () => {
  const records = [
    declarationsOf(service("frontend", { api: out() }), "default"),
    declarationsOf(service("api", { frontend: inb, postgres: out(), worker: inb }), "default"),
    declarationsOf(service("postgres", {}), "default"),
    declarationsOf(service("worker", {}), "default"),
  ];
  const api = oneSidedAgreements("default/api", records);
  expect(api.map((o) => [o.from, o.to, o.missing])).toEqual([
    ["default/api", "default/postgres", "inbound"],
    ["default/worker", "default/api", "outbound"],
  ]);
  expect(api[0]!.message).toContain("spec.resources.postgres");
  expect(oneSidedAgreements("default/frontend", records)).toEqual([]);
});

test("a declaration naming a service that is in no record is reported as missing its counterpart", () => {
  const records = [
    declarationsOf(service("a", { ghost: out(), b: out() }, "x"), "x"),
    declarationsOf(service("b", { a: inb }, "x"), "x"),
  ];
  const res = oneSidedAgreements("x/a", records);
  expect(res).toHaveLength(1);
  expect(res[0]).toMatchObject({ from: "x/a", to: "x/ghost", missing: "counterpart" });
  expect(res[0]!.message).toMatch(/in the cluster/);
});

test("cross-namespace: the declaration's namespace names the other side", () => {
  const records = [
    declarationsOf(service("web", { api: { ...out(), namespace: "backend" } }, "front"), "front"),
    declarationsOf(service("api", { web: { ...inb, namespace: "front" } }, "backend"), "backend"),
  ];
  expect(oneSidedAgreements("front/web", records)).toEqual([]);
  expect(oneSidedAgreements("backend/api", records)).toEqual([]);
  expect(oneSidedAgreements("backend/api", records.slice(1)).map((o) => o.missing)).toEqual(["counterpart"]);
});
