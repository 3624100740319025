import { latticeClusterLabels, notOurs } from "./teardown";

const withLabels = (labels?: Record<string, string>) => ({ metadata: { name: "x", ...(labels ? { labels } : {}) } });

describe("whose object is it, before a cluster's delete removes it", () => {
  const ours = latticeClusterLabels("edge");

  it("is Lattice's when it carries every ownership label with its value", () => {
    expect(ours).toEqual({ "app.kubernetes.io/managed-by": "lattice", "lattice.dev/cluster": "edge" });
    expect(notOurs(withLabels({ ...ours, other: "kept" }), ours)).toBeUndefined();
  });

  it.each([
    ["no labels", withLabels(), /labels app.kubernetes.io\/managed-by=lattice, lattice.dev\/cluster=edge/],
    [
      "another manager",
      withLabels({ ...ours, "app.kubernetes.io/managed-by": "helm" }),
      /label app.kubernetes.io\/managed-by=lattice$/,
    ],
    ["another cluster's", withLabels({ ...ours, "lattice.dev/cluster": "core" }), /label lattice.dev\/cluster=edge$/],
  ])("is not Lattice's with %s, and says which labels it lacks", (_what, o, reason) => {
    expect(notOurs(o, ours)).toMatch(reason);
  });
});
