// Ownership decisions on recorded object states (managedFields as kube-apiserver records them: an
// object made by `kubectl create` is owned by "kubectl-create", the default namespace by
// "kube-apiserver", one Lattice applied by its field manager).
import type { KubeObject } from "../../core/k8s/object";
import { CREATED_ANNOTATION, CREATOR_MANAGER, planApply, planRemove, workloadRefusal } from "./ownership";

const OURS = "lattice.policy.shop.api";
const UID = "0b6c5f4e-0000-4000-8000-000000000001";
const lattice = { "app.kubernetes.io/managed-by": "lattice" };

const obj = (kind: string, managers: string[], extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: kind === "Namespace" || kind === "ConfigMap" ? "v1" : "cilium.io/v2",
  kind,
  metadata: {
    name: kind === "Namespace" ? "shop" : "api",
    ...(kind === "Namespace" ? {} : { namespace: "shop" }),
    uid: UID,
    managedFields: managers.map((manager) => ({ manager, operation: "Apply", fieldsV1: {} })),
    ...extra,
  } as KubeObject["metadata"],
});
const cnp = (managers: string[], extra: Partial<KubeObject["metadata"]> = {}) =>
  obj("CiliumNetworkPolicy", managers, extra);
const desired = cnp([]);
const createdNs = (managers: string[]) =>
  obj("Namespace", [CREATOR_MANAGER, ...managers], { annotations: { [CREATED_ANNOTATION]: "true" }, labels: lattice });

describe("planApply", () => {
  test("an absent object is created without force (a conflict, never a takeover, if one appears meanwhile)", () => {
    expect(planApply(desired, undefined, OURS, false)).toEqual({ action: "create", force: false });
  });

  test("our own object is applied with force (a field changed by hand is won back)", () => {
    expect(planApply(desired, cnp(["kubectl", OURS], { labels: lattice }), OURS, false)).toEqual({
      action: "apply",
      force: true,
    });
  });

  test("someone else's object is refused, naming it, its managers and the opt-in", () => {
    const plan = planApply(desired, cnp(["kubectl-create", "kubectl-edit"]), OURS, false);
    expect(plan.action).toBe("refuse");
    const error = (plan as { error: string }).error;
    expect(error).toContain("CiliumNetworkPolicy/shop/api already exists and Lattice did not create it");
    expect(error).toContain("managed by kubectl-create, kubectl-edit");
    expect(error).toContain('metadata.annotations["lattice.dev/adopt"]: "true"');
  });

  test("an object labelled as Lattice's but applied by another resource (another stack) is refused too", () => {
    const plan = planApply(desired, cnp(["lattice.policy.shop.other"], { labels: lattice }), OURS, false);
    expect((plan as { error: string }).error).toMatch(
      /labelled as Lattice's but managed by lattice\.policy\.shop\.other, not by this resource/,
    );
  });

  test("with the document's opt-in, someone else's object is adopted (with force), and says so", () => {
    const plan = planApply(desired, cnp(["kubectl-create"]), OURS, true);
    expect(plan).toMatchObject({ action: "adopt", force: true });
    expect((plan as { note: string }).note).toMatch(
      /^adopting CiliumNetworkPolicy\/shop\/api \(managed by kubectl-create\)/,
    );
  });

  test("a shared baseline object only other Lattice sets hold is joined without force; anyone else's is not", () => {
    const held = cnp(["lattice.baseline.old"], { labels: lattice });
    expect(planApply(desired, held, OURS, false, true)).toMatchObject({ action: "join", force: false });
    expect(
      planApply(desired, cnp(["lattice.baseline.old", "kubectl"], { labels: lattice }), OURS, false, true).action,
    ).toBe("refuse");
    expect(planApply(desired, held, OURS, false, false).action).toBe("refuse");
  });

  test("an existing namespace is joined without force, never taken", () => {
    const ns = obj("Namespace", ["kube-apiserver"]);
    expect(planApply(ns, ns, "lattice.baseline", false)).toMatchObject({ action: "join", force: false });
    expect(planApply(ns, ns, "lattice.baseline", true)).toMatchObject({ action: "adopt", force: true });
  });
});

describe("planRemove", () => {
  const remove = (live: KubeObject | undefined, recorded: string | undefined = UID, shared = false) =>
    planRemove(live, OURS, recorded, shared);

  test("our object with the UID we recorded is deleted with that UID as precondition", () => {
    expect(remove(cnp([OURS], { labels: lattice }))).toEqual({ action: "delete", uid: UID });
  });

  test("an object re-created under the same name (another UID) is left, with a warning", () => {
    const plan = remove(cnp([OURS], { labels: lattice }), "another-uid");
    expect(plan.action).toBe("none");
    expect((plan as { warning: string }).warning).toMatch(/re-created since Lattice applied it .*: left in place/);
  });

  test("a shared baseline object another Lattice member re-created is still Lattice's", () => {
    expect(remove(cnp([OURS], { labels: lattice }), "another-uid", true)).toEqual({ action: "delete", uid: UID });
    expect(remove(cnp([OURS]), "another-uid", true).action).toBe("none"); // without Lattice's label: not ours
  });

  test("an object someone else took over is left, with a warning", () => {
    const plan = remove(cnp(["kubectl"]));
    expect(plan.action).toBe("none");
    expect((plan as { warning: string }).warning).toMatch(
      /no longer managed by this Lattice resource \(managed by kubectl\)/,
    );
  });

  test("without a recorded UID (older state) our object is deleted with the UID read just before", () => {
    expect(remove(cnp([OURS]), undefined)).toEqual({ action: "delete", uid: UID });
  });

  test("a shared object another Lattice set manages too is released; a hand edit does not save it", () => {
    expect(remove(cnp([OURS, "lattice.policy.shop.web"]), UID, true)).toEqual({ action: "release" });
    expect(remove(cnp([OURS, "kubectl-edit"]), UID, true)).toEqual({ action: "delete", uid: UID });
  });

  test("a namespace Lattice created is deleted only if empty; one it joined is only released", () => {
    expect(remove(createdNs([OURS]))).toEqual({ action: "delete-if-empty", uid: UID });
    expect(remove(obj("Namespace", ["kubectl-create", OURS], { labels: lattice })).action).toBe("release");
    // The creation mark without its manager (someone copied the annotation) does not count.
    const forged = obj("Namespace", ["kubectl-create", OURS], { annotations: { [CREATED_ANNOTATION]: "true" } });
    expect(remove(forged).action).toBe("release");
  });

  test("nothing to do for an object already gone", () => {
    expect(remove(undefined)).toEqual({ action: "none" });
  });
});

describe("workloadRefusal: names @pulumi/kubernetes would take over", () => {
  const sa = (managers: string[], labels?: Record<string, string>) =>
    ({ ...obj("ConfigMap", managers, labels ? { labels } : {}), kind: "ServiceAccount" }) as KubeObject;
  const ref = { kind: "ServiceAccount", name: "api", namespace: "shop" };

  test("free, or created for Lattice by @pulumi/kubernetes: no refusal", () => {
    expect(workloadRefusal(ref, undefined, false)).toBeUndefined();
    expect(workloadRefusal(ref, sa(["pulumi-kubernetes-8c1d2f0a"], lattice), false)).toBeUndefined();
  });

  test("someone else's (even with Lattice's label, applied by kubectl) is refused unless adopted", () => {
    expect(workloadRefusal(ref, sa(["kubectl-create"]), false)).toMatch(
      /^ServiceAccount\/shop\/api already exists and Lattice did not create it \(managed by kubectl-create\)/,
    );
    expect(workloadRefusal(ref, sa(["kubectl-client-side-apply"], lattice), false)).toMatch(/did not create it/);
    expect(workloadRefusal(ref, sa(["kubectl-create"]), true)).toBeUndefined();
  });
});
