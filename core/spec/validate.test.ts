// The validator on valid input: the documented format (every example of issue 4 as written), the
// alternative spellings it accepts, and the typed views it offers.
import { clusterProvider, loadDocuments, providerOf, validateDocument, workerPoolsOf, type LatticeCluster } from ".";
import { loadValid } from "../testing/fixtures";

const where = { file: "args", doc: 1 };

describe("documented examples", () => {
  it("every example file validates", () => {
    const docs = loadValid("examples");
    expect(docs.map((d) => d.doc.kind).sort()).toEqual([
      ...Array(7).fill("LatticeCluster"), // 4 in clusters/, 3 in prerequisites/
      ...Array(2).fill("LatticeExternalService"),
      ...Array(10).fill("LatticeService"),
    ]);
  });

  // The fragments quoted in issue 4, embedded in minimal documents exactly as written.
  it.each([
    ["an endpoint", `endpoints:\n    api: "https://api.stripe.com:443"`],
    ["allowed_requesters", `endpoints: {api: "https://api.stripe.com:443"}\n  allowed_requesters: [payment-service]`],
    [
      "allowedRequesters",
      `endpoints: {api: "https://api.stripe.com:443"}\n  allowedRequesters: [shop/payment-service]`,
    ],
    ["tcp://host:port", `endpoints: {db: "tcp://db.example.com:5432"}`],
    ["an IP/CIDR", `endpoints: {office: "tcp://10.20.0.0/24:25", host: "10.1.2.3:5432"}`],
  ])("external service: %s", (_, spec) => {
    const text = `apiVersion: lattice.dev/v1alpha1\nkind: LatticeExternalService\nmetadata: {name: stripe}\nspec:\n  ${spec}\n`;
    expect(loadDocuments([{ file: "x.yaml", text }]).errors).toEqual([]);
  });

  it("a volume owner and its consumer, as written in the issue", () => {
    const svc = (name: string, decl: string) =>
      `apiVersion: lattice.dev/v1alpha1\nkind: LatticeService\nmetadata: {name: ${name}}\nspec:\n  containers: {main: {image: "x:1"}}\n  resources:\n    media: {${decl}}\n`;
    const r = loadDocuments([
      { file: "owner.yaml", text: svc("owner", "type: volume, id: shared-media, params: {size: 1Ti}") },
      { file: "consumer.yaml", text: svc("consumer", "type: volume, id: shared-media") },
    ]);
    expect(r.errors).toEqual([]);
  });

  it("a proxmox cluster with template_id, cp_cores and cp_memory_mib spelled as documented", () => {
    const [doc] = loadValid("examples/clusters/proxmox.yaml");
    const p = clusterProvider(doc?.doc as LatticeCluster);
    expect(p.provider).toBe("proxmox");
    if (p.provider !== "proxmox") throw new Error("unreachable");
    expect([p.config.template_id, p.config.cp_cores, p.config.cp_memory_mib]).toEqual([9000, 4, 8192]);
  });
});

describe("typed views", () => {
  it("worker pools as a list or a map become one list", () => {
    const [aws] = loadValid("examples/clusters/aws.yaml");
    const [pve] = loadValid("examples/clusters/proxmox.yaml");
    expect(workerPoolsOf(aws?.doc as LatticeCluster).map((p) => [p.name, p.replicas, p.instanceType])).toEqual([
      ["general", 4, undefined],
      ["memory", 2, "r6i.2xlarge"],
    ]);
    expect(workerPoolsOf(pve?.doc as LatticeCluster).map((p) => [p.name, p.path, p.diskGib])).toEqual([
      ["general", "general", undefined],
      ["storage", "storage", 500],
    ]);
  });

  it("providerOf is a discriminated union over every provider", () => {
    const names = loadValid("examples/clusters").map(
      (d) => providerOf((d.doc as LatticeCluster).spec.provider.config).provider,
    );
    expect(names.sort()).toEqual(["aws", "docker", "openstack", "proxmox"]);
  });

  it("validates component args (no YAML) and restricts the kind when asked", () => {
    const args = {
      apiVersion: "lattice.dev/v1alpha1",
      kind: "LatticeService",
      metadata: { name: "api" },
      spec: { containers: { main: { image: "x:1" } } },
    };
    expect(validateDocument(args, where, "LatticeService").ok).toBe(true);
    const wrong = validateDocument(args, where, "LatticeCluster");
    expect(wrong.ok ? [] : wrong.errors).toEqual([
      { file: "args", doc: 1, path: "kind", message: 'expected "LatticeCluster", got "LatticeService"' },
    ]);
  });

  it("reports every problem of a document, sorted by path, one per field", () => {
    const v = validateDocument(
      {
        apiVersion: "v1",
        kind: "LatticeService",
        metadata: { name: "API" },
        spec: { replicas: -1, containers: { main: {} }, extra: 1 },
      },
      where,
    );
    expect(v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'apiVersion: expected "lattice.dev/v1alpha1", got "v1"',
      'metadata.name: expected a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit), got "API"',
      "spec.containers.main.image: missing required field (expected a string)",
      "spec.extra: unknown field",
      "spec.replicas: expected at least 0, got -1",
    ]);
  });
});
