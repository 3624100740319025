import { compileAll, CompileOptionsError } from "../compile";
import { loadValid, TEST_OPTIONS } from "../testing/fixtures";
import { compileCluster } from "./compile";
import { ClusterOptionsError } from "./errors";
import { checkClusterOptions, normalizeParent } from "./options";
import { GOLDEN_PARENT, exampleWith } from "./__support__/examples";

describe("cluster compile options", () => {
  const ok = GOLDEN_PARENT;
  it("accepts https://host[:port], with or without a trailing slash", () => {
    expect(checkClusterOptions({ parent: ok })).toBeUndefined();
    expect(checkClusterOptions({ parent: { ...ok, bootstrapUrl: "https://10.0.0.5/" } })).toBeUndefined();
    expect(checkClusterOptions({ parent: { ...ok, bootstrapUrl: "https://[2001:db8::1]:8443" } })).toBeUndefined();
    expect(normalizeParent({ ...ok, bootstrapUrl: "https://cell:8443/" }).bootstrapUrl).toBe("https://cell:8443");
  });

  it.each([
    ["http://cell.example:8443", "parent.bootstrapUrl"],
    ["https://cell.example:8443/v1/bootstrap", "parent.bootstrapUrl"],
    ["https://cell example", "parent.bootstrapUrl"],
    ["https://cell.example'; rm -rf /", "parent.bootstrapUrl"],
  ])("refuses the URL %s", (bootstrapUrl, option) => {
    expect(checkClusterOptions({ parent: { ...ok, bootstrapUrl } })).toMatch(
      new RegExp(`^${option.replace(".", "\\.")}: `),
    );
  });

  it.each([
    ["", "parent.caPem"],
    ["not a certificate", "parent.caPem"],
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "parent.caPem"],
    [GOLDEN_PARENT.caPem.repeat(20), "parent.caPem"],
  ])("refuses the CA %#", (caPem, option) => {
    expect(checkClusterOptions({ parent: { ...ok, caPem } })).toMatch(new RegExp(`^${option.replace(".", "\\.")}: `));
  });

  it("accepts a bundle of two CA certificates", () => {
    expect(checkClusterOptions({ parent: { ...ok, caPem: ok.caPem + ok.caPem } })).toBeUndefined();
  });

  it("compileCluster throws ClusterOptionsError, compileAll throws CompileOptionsError naming the option", () => {
    const bad = { parent: { ...ok, bootstrapUrl: "http://x" } };
    expect(() => compileCluster(exampleWith("docker", "kubeadm"), { defaultNamespace: "d", ...bad })).toThrow(
      ClusterOptionsError,
    );
    const docs = loadValid("examples/clusters/docker.yaml");
    expect(() => compileAll(docs, { ...TEST_OPTIONS, cluster: bad })).toThrow(CompileOptionsError);
    expect(() => compileAll(docs, { ...TEST_OPTIONS, cluster: bad })).toThrow(
      /compile option cluster: parent\.bootstrapUrl/,
    );
  });

  it("compileAll renders clusters with and without the parent", () => {
    const docs = loadValid("examples/clusters");
    const plain = compileAll(docs, TEST_OPTIONS);
    const linked = compileAll(docs, { ...TEST_OPTIONS, cluster: { parent: ok } });
    expect(plain.ok && linked.ok).toBe(true);
    if (!plain.ok || !linked.ok) return;
    expect(plain.objects.filter((o) => o.kind === "Cluster").map((o) => o.metadata.name)).toEqual([
      "dev",
      "homelab",
      "prod-eu",
      "research",
    ]);
    expect(JSON.stringify(linked.objects)).toContain("https://cell.parent.example:8443");
    expect(JSON.stringify(plain.objects)).not.toContain("BEGIN CERTIFICATE");
  });
});
