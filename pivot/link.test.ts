// The LinkTarget over a scripted channel: what each port call asks of the agent, and how answers
// become the mover's view (inventory, strays) or its errors (conflict, refusal, a missing answer).
import type { PivotCommandSpec } from "../agent/api/pivot-wire";
import type { AgentCommandStatus } from "../agent/api/types";
import type { PlanEntry } from "../core/pivot/model";
import { CopyConflict, PivotFailed } from "./errors";
import { LinkTarget, type PivotChannel } from "./link";

const entry = (kind: string, name: string, order: number, group = "cluster.x-k8s.io"): PlanEntry => ({
  group,
  kind,
  namespace: "capi-c1",
  name,
  apiVersion: group ? `${group}/v1beta2` : "v1",
  sourceUid: `src-${name}`,
  digest: `d-${name}`,
  order,
  deleteFromSource: true,
  global: false,
});

/** A channel answering from a script, recording every step. */
function scripted(answer: (s: PivotCommandSpec) => AgentCommandStatus): PivotChannel & { steps: PivotCommandSpec[] } {
  const steps: PivotCommandSpec[] = [];
  return {
    steps,
    run: async (s) => {
      steps.push(s);
      return answer(s);
    },
  };
}

const inv = (over: Record<string, unknown>) => ({
  apiVersion: "cluster.x-k8s.io/v1beta2",
  kind: "Machine",
  namespace: "capi-c1",
  uid: "t1",
  digest: "d",
  deleting: false,
  danglingOwners: 0,
  finalizers: [],
  moverFields: "[]",
  ...over,
});

describe("LinkTarget", () => {
  const plan = [
    entry("Cluster", "c1", 0),
    entry("Machine", "m1", 1),
    entry("Machine", "m2", 1),
    entry("Secret", "s", 2, ""),
  ];

  it("copies group by group, owners first, one import step per group naming the journal", async () => {
    const ch = scripted(() => ({ phase: "Succeeded" }));
    const between: number[] = [];
    await new LinkTarget(ch, "capi-c1.c1").copy({
      pivotId: "p",
      record: { sourceIdentity: "s", setDigest: "x" },
      bySourceUid: new Map(),
      items: [...plan].reverse().map((e) => ({ entry: e, object: {} as never, action: "create" as const })),
      between: async () => between.push(ch.steps.length),
    });
    expect(ch.steps.map((s) => [s.journal, s.op, (s.objects ?? []).map((o) => o.name)])).toEqual([
      ["capi-c1.c1", "import", ["c1"]],
      ["capi-c1.c1", "import", ["m2", "m1"]],
      ["capi-c1.c1", "import", ["s"]],
    ]);
    expect(between).toEqual([1, 2, 3]);
  });

  it("maps an inventory to plan keys, and reports this pivot's unplanned copies as strays", async () => {
    const ch = scripted(() => ({
      phase: "Succeeded",
      data: {
        objects: [
          inv({ name: "m1", pivotId: "p", sourceUid: "src-m1" }),
          inv({ name: "m9", pivotId: "p", uid: "t9" }),
          inv({ name: "m8", pivotId: "other" }),
        ],
      },
    }));
    const r = await new LinkTarget(ch, "j").inventory(plan, "p");
    expect([...r.byKey.keys()]).toEqual(["cluster.x-k8s.io/Machine/capi-c1/m1"]);
    expect(r.byKey.get("cluster.x-k8s.io/Machine/capi-c1/m1")).toMatchObject({ uid: "t1", sourceUid: "src-m1" });
    expect(r.strays).toEqual([
      { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Machine", name: "m9", namespace: "capi-c1", uid: "t9" },
    ]);
    // One list per kind, namespaced kinds only.
    expect(ch.steps[0]!.kinds).toEqual([
      { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster" },
      { apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Machine" },
      { apiVersion: "v1", kind: "Secret" },
    ]);
    // Without a pivot id (a preflight), nothing is a stray.
    expect((await new LinkTarget(ch, "j").inventory(plan, "")).strays).toEqual([]);
  });

  it("turns the agent's conflict into CopyConflict and a refusal into PivotFailed naming the objects", async () => {
    const conflict = scripted(() => ({
      phase: "Failed",
      objects: [
        { apiVersion: "v1", kind: "Secret", namespace: "capi-c1", name: "s", action: "Error", message: "conflict: x" },
      ],
    }));
    const batch = {
      pivotId: "p",
      record: { sourceIdentity: "s", setDigest: "x" },
      bySourceUid: new Map(),
      items: [{ entry: plan[3]!, object: {} as never, action: "create" as const }],
    };
    await expect(new LinkTarget(conflict, "j").copy(batch)).rejects.toThrow(CopyConflict);
    const refused = scripted(() => ({
      phase: "Rejected",
      message: "pivot step import is not allowed while ClusterPivot j is Fenced",
    }));
    await expect(new LinkTarget(refused, "j").copy(batch)).rejects.toThrow(
      /not allowed while ClusterPivot j is Fenced/,
    );
    await expect(new LinkTarget(refused, "j").copy(batch)).rejects.toThrow(PivotFailed);
  });

  it("asks a read again once when the answer lost its data, then fails rather than trust an empty inventory", async () => {
    const ch = scripted(() => ({ phase: "Succeeded" }));
    await expect(new LinkTarget(ch, "j").inventory(plan, "p")).rejects.toThrow(/carried no data/);
    expect(ch.steps).toHaveLength(2);
  });

  it("activates the roots by their source UIDs, and removes copies by their own UIDs", async () => {
    const ch = scripted(() => ({ phase: "Succeeded" }));
    const t = new LinkTarget(ch, "j");
    await t.activate(plan);
    await t.remove([{ apiVersion: "v1", kind: "Secret", namespace: "capi-c1", name: "s", uid: "t-s" }]);
    await t.remove([]);
    expect(ch.steps.map((s) => [s.op, s.objects])).toEqual([
      ["activate", [{ apiVersion: "cluster.x-k8s.io/v1beta2", kind: "Cluster", name: "c1", uid: "src-c1" }]],
      ["remove", [{ apiVersion: "v1", kind: "Secret", name: "s", uid: "t-s" }]],
    ]);
  });
});
