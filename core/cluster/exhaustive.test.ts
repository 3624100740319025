// The switches over the provider and bootstrap unions end in a `never` check: a member the compiler
// does not know is a type error at compile time and, for unvalidated input, a typed error naming
// the field at run time.
import type { LatticeCluster, ProviderName } from "../spec";
import { compileCluster } from "./compile";
import { ClusterCompileError } from "./errors";
import { infraFor } from "./infra";
import { exampleWith } from "./__support__/examples";

// Compile-time: the provider union is exactly what infraFor handles (this line fails to type-check
// when a provider is added to core/spec without a case here and in infra.ts).
const HANDLED: Record<ProviderName, true> = { docker: true, proxmox: true, aws: true, openstack: true };

describe("exhaustiveness", () => {
  it("knows every provider of the spec", () =>
    expect(Object.keys(HANDLED).sort()).toEqual(["aws", "docker", "openstack", "proxmox"]));

  it("refuses an unknown provider with a typed error naming the field", () => {
    const ctx = { name: "x" } as Parameters<typeof infraFor>[0];
    expect(() => infraFor(ctx, { provider: "vsphere", config: {} } as never)).toThrow(ClusterCompileError);
    expect(() => infraFor(ctx, { provider: "vsphere", config: {} } as never)).toThrow(
      /LatticeCluster x: spec\.provider\.config: unsupported value/,
    );
  });

  it("refuses an unknown bootstrap with a typed error naming the field", () => {
    const doc = JSON.parse(JSON.stringify(exampleWith("docker", "kubeadm"))) as LatticeCluster;
    (doc.spec.provider.kubernetes as { bootstrap: string }).bootstrap = "kops";
    expect(() => compileCluster(doc, { defaultNamespace: "d" })).toThrow(
      /spec\.provider\.kubernetes\.bootstrap: unsupported value "kops"/,
    );
  });

  it("refuses a version its bootstrap cannot use (unvalidated input) naming the field", () => {
    const doc = JSON.parse(JSON.stringify(exampleWith("docker", "rke2"))) as LatticeCluster;
    doc.spec.provider.kubernetes.version = "1.32.0";
    expect(() => compileCluster(doc, { defaultNamespace: "d" })).toThrow(
      /spec\.provider\.kubernetes\.version: rke2 needs an RKE2 release/,
    );
  });
});
