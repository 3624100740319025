// The pure decisions of a set's reconcile: whose objects the previous resource model held for the
// same service (taken over with force), and whose are someone else's (refused as before).
import type { KubeObject } from "../../core/k8s/object";
import { legacyManagersOf, managerOf, needsApply, planOf, type Target } from "./reconcile";

const labels = { "app.kubernetes.io/managed-by": "lattice", "lattice.dev/service": "api" };
function live(managers: string[], l: Record<string, string> = labels): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "api",
      namespace: "shop",
      labels: l,
      managedFields: managers.map((manager) => ({ manager, operation: "Apply", fieldsType: "FieldsV1" })),
    } as KubeObject["metadata"],
    spec: { replicas: 1 },
  };
}
const desired: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "shop", labels },
  spec: { replicas: 1 },
};
function target(l: KubeObject | undefined): Target {
  return {
    key: "Deployment/shop/api",
    desired,
    live: l,
    owner: "shop/api",
    manager: managerOf("shop/api"),
    adopt: false,
    shared: false,
    legacy: legacyManagersOf("shop/api", l),
  };
}

test("the member's field manager", () => {
  expect(managerOf("shop/api")).toBe("lattice.service.shop.api");
});

test("the previous model's managers of the same service are recognised, nobody else's", () => {
  const l = live(["pulumi-kubernetes-1a2b", "lattice.policy.shop.api", "lattice.policy.shop.web", "kubectl"]);
  expect(legacyManagersOf("shop/api", l)).toEqual(["pulumi-kubernetes-1a2b", "lattice.policy.shop.api"]);
  // A @pulumi/kubernetes manager on an object not labelled as this service's is not the previous model's.
  expect(legacyManagersOf("shop/api", live(["pulumi-kubernetes-1a2b"], {}))).toEqual([]);
  expect(legacyManagersOf("shop/api", undefined)).toEqual([]);
});

test("an object the previous model held is taken over with force and named as such", () => {
  const t = target(live(["pulumi-kubernetes-1a2b", "kube-controller-manager"]));
  expect(needsApply(t)).toEqual(["Deployment/shop/api: held by the previous resource model (pulumi-kubernetes-1a2b)"]);
  expect(planOf(t)).toEqual({ action: "apply", force: true });
});

test("someone else's manager beside the previous model's still refuses the object", () => {
  const plan = planOf(target(live(["pulumi-kubernetes-1a2b", "kubectl-client-side-apply"])));
  expect(plan.action).toBe("refuse");
});

test("an object the set owns and the previous model still shares is applied again", () => {
  const t = target(live(["lattice.service.shop.api", "pulumi-kubernetes-1a2b"]));
  expect(needsApply(t)).toEqual([
    "Deployment/shop/api: still shared with the previous resource model (pulumi-kubernetes-1a2b)",
  ]);
  expect(planOf(t)).toEqual({ action: "apply", force: true });
});

test("an object of nobody Lattice knows is refused without adopt", () => {
  expect(planOf(target(live(["kubectl-create"], {}))).action).toBe("refuse");
});
