import { boundedName, fnv1a64, names } from "./names";

describe("names", () => {
  it("FNV-1a 64 matches the published test vectors", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });

  it("keeps short names as they are", () => {
    expect(boundedName(["dev", "control-plane"])).toBe("dev-control-plane");
  });

  it("bounds long names to 63 characters, distinct and ending in a hash", () => {
    const a = "a".repeat(60);
    const x = boundedName([a, "pool-one"]);
    const y = boundedName([a, "pool-two"]);
    expect(x.length).toBeLessThanOrEqual(63);
    expect(y.length).toBeLessThanOrEqual(63);
    expect(x).not.toBe(y);
    expect(x).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("names templates after their content", () => {
    expect(names.poolTemplate("c", "p", { a: 1 })).toMatch(/^c-p-[0-9a-f]{8}$/);
    expect(names.poolTemplate("c", "p", { a: 1 })).not.toBe(names.poolTemplate("c", "p", { a: 2 }));
  });

  it("never gives a pool called control-plane the control plane's template name", () => {
    expect(names.poolTemplate("c", "control-plane", {})).not.toBe(names.controlPlaneTemplate("c", {}));
    expect(names.poolTemplate("c", "control-plane", {})).toMatch(/^c-control-plane-[0-9a-f]{8}$/);
  });

  it("gives the cluster-scoped AWS identity the namespace in its name", () => {
    expect(names.awsIdentity("team-a", "prod")).toBe("lattice-team-a-prod");
    expect(names.awsIdentity("team-b", "prod")).not.toBe(names.awsIdentity("team-a", "prod"));
  });
});
