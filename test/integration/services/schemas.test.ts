// Every object the service compiler can emit — its catalog (every kind and shape) and every example
// in examples/ — is accepted by a real kube-apiserver with the real Cilium, Istio and core schemas,
// by server-side dry-run apply. Namespaces are created for real first (a dry-run cannot create the
// namespace its objects need).
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { compileAll, compileCatalog, EMITTED_KINDS } from "../../../core/compile";
import { keyOf, type KubeObject } from "../../../core/k8s/object";
import { loadDocuments } from "../../../core/spec";
import { KubeError } from "../../../kube/client";
import { startControlPlane, type ControlPlane } from "../../harness/controlplane";
import { ROOT } from "../../harness/tools";

jest.setTimeout(180_000);

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane({ name: "schemas", crds: ["cilium", "istio"], controllerManager: false });
});
afterAll(() => cp?.stop());

/** Dry-run every object; returns the rejections as "key: message". */
async function rejections(objects: readonly KubeObject[]): Promise<string[]> {
  for (const ns of objects.filter((o) => o.kind === "Namespace")) await cp.client.apply(ns);
  const out: string[] = [];
  for (const o of objects) {
    if (o.kind === "Namespace") continue;
    try {
      await cp.client.apply(o, { dryRun: true });
    } catch (e) {
      out.push(`${keyOf(o)}: ${e instanceof KubeError ? e.message : String(e)}`);
    }
  }
  return out;
}

test("the compiler's catalog covers every kind it emits, and the API server accepts all of it", async () => {
  const objects = compileCatalog("schemas.lattice.test");
  expect([...new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))].sort()).toEqual([...EMITTED_KINDS].sort());
  expect(await rejections(objects)).toEqual([]);
});

test("every service example compiles to objects the API server accepts", async () => {
  const dirs = ["webapp", "external", "shared-volume", "cross-namespace"];
  const sources = dirs.flatMap((d) =>
    readdirSync(path.join(ROOT, "examples", d))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => {
        const file = path.join("examples", d, f);
        return { file, text: readFileSync(path.join(ROOT, file), "utf8") };
      }),
  );
  const loaded = loadDocuments(sources);
  expect(loaded.errors).toEqual([]);
  const compiled = compileAll(loaded.docs, { trustDomain: "examples.lattice.test", defaultNamespace: "default" });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  expect(compiled.objects.length).toBeGreaterThan(40);
  expect(await rejections(compiled.objects)).toEqual([]);
});

test("the check is real: a policy the schema forbids is rejected", async () => {
  const cnp = compileCatalog().find((o) => o.kind === "CiliumNetworkPolicy")!;
  const broken = { ...cnp, spec: { ...(cnp.spec as object), endpointSelector: "everything" } };
  expect((await rejections([broken]))[0]).toMatch(/endpointSelector/);
});
