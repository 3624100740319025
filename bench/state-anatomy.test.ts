// The checkpoint breakdown: each byte counted once, in the right column.
import { resourceBytes, stateByType } from "./state-anatomy";

const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "x".repeat(500) };

const dynamic = {
  urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic:Resource::a",
  type: "pulumi-nodejs:dynamic:Resource",
  inputs: { __provider: "p".repeat(1000), kubeconfig: secret, objects: { a: 1 } },
  outputs: { __provider: "p".repeat(1000), kubeconfig: secret, objects: { a: 1 } },
  dependencies: ["urn:pulumi:s::p::x::b"],
};
const k8s = {
  urn: "urn:pulumi:s::p::kubernetes:apps/v1:Deployment::d",
  type: "kubernetes:apps/v1:Deployment",
  inputs: { metadata: { name: "d" } },
  outputs: { metadata: { name: "d", uid: "u" }, __inputs: { metadata: { name: "d" } } },
};

describe("state anatomy", () => {
  it("splits a dynamic resource into provider, secrets, inputs, outputs, deps and the rest", () => {
    const b = resourceBytes(dynamic);
    expect(b.provider).toBe(2 * (1002 + '"__provider":,'.length));
    expect(b.secrets).toBe(2 * JSON.stringify(secret).length);
    expect(b.k8sInputs).toBe(0);
    expect(b.deps).toBe(JSON.stringify(dynamic.dependencies).length);
    expect(b.total).toBe(JSON.stringify(dynamic).length);
    // Every byte in exactly one column (within the few bytes of separators the split drops).
    const parts = b.provider + b.secrets + b.k8sInputs + b.inputs + b.outputs + b.deps + b.other;
    expect(Math.abs(parts - b.total)).toBeLessThan(40);
  });

  it("counts the copy of its inputs a @pulumi/kubernetes resource keeps in its outputs", () => {
    const b = resourceBytes(k8s);
    expect(b.k8sInputs).toBe(JSON.stringify(k8s.outputs.__inputs).length + '"__inputs":,'.length);
    expect(b.outputs).toBe(JSON.stringify({ metadata: k8s.outputs.metadata }).length);
    expect(b.provider).toBe(0);
  });

  it("groups by type, largest first", () => {
    const shares = stateByType([k8s, dynamic, k8s]);
    expect(shares.map((s) => [s.type, s.count])).toEqual([
      ["pulumi-nodejs:dynamic:Resource", 1],
      ["kubernetes:apps/v1:Deployment", 2],
    ]);
    expect(shares[1]!.total).toBe(2 * JSON.stringify(k8s).length);
  });
});
