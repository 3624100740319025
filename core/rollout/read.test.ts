// readRollout against object states recorded from the test bed's real Deployment and ReplicaSet
// controllers and kube-scheduler (pods played by the pod simulator): every state of six rollouts
// (scripts/record-rollout-states.ts wrote __states__), and what each must read as.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../k8s/object";
import { explainRollout, readRollout, type RolloutObservation } from "./read";

interface Recorded {
  line: string;
  observation: RolloutObservation & { deployment: KubeObject | null };
}
const recorded = (file: string): Recorded[] =>
  JSON.parse(readFileSync(join(__dirname, "__states__", file), "utf8")) as Recorded[];
const read = (r: Recorded) =>
  readRollout("shop/api", { ...r.observation, deployment: r.observation.deployment ?? undefined });

describe("readRollout on recorded rollouts", () => {
  it.each([
    [
      "create.json",
      [
        ["waiting", "shop/api waiting for the Deployment controller"],
        ["waiting", "shop/api 0/3 ready (pod api-7ddcb7b4d6-bbd9z: Starting)"],
        ["waiting", "shop/api 0/3 ready (pod api-7ddcb7b4d6-bbd9z: ContainerCreating)"],
        ["waiting", "shop/api 2/3 ready (pod api-7ddcb7b4d6-jkgb2: ContainerCreating)"],
        ["done", "shop/api 3/3 ready"],
      ],
    ],
    [
      "update-never-pulls.json",
      [
        ["waiting", "shop/api waiting for the Deployment controller"],
        ["waiting", "shop/api 0/3 ready (pod api-85454dd74-2d9d9: ImagePullBackOff)"],
      ],
    ],
    [
      "update-fixed.json",
      [
        ["waiting", "shop/api waiting for the Deployment controller"],
        ["waiting", "shop/api 0/3 ready (pod api-666f5d9ff9-q9fnn: ContainerCreating)"],
        ["waiting", "shop/api 1/3 ready"],
        ["waiting", "shop/api 1/3 ready (pod api-666f5d9ff9-7wfnb: ContainerCreating)"],
        ["waiting", "shop/api 2/3 ready (pod api-666f5d9ff9-lspcx: Starting)"],
        ["waiting", "shop/api 2/3 ready, waiting for 1 old replica to stop"],
        ["done", "shop/api 3/3 ready"],
      ],
    ],
    ["scale-to-zero.json", [["done", "shop/api 0/0 ready"]]],
    [
      "unschedulable.json",
      [
        ["waiting", "shop/api waiting for the Deployment controller"],
        ["waiting", "shop/api 0/3 ready (pod api-7b448448df-9qjrl: Unschedulable)"],
      ],
    ],
    [
      "progress-deadline.json",
      [
        ["waiting", "shop/api waiting for the Deployment controller"],
        ["waiting", "shop/api 0/3 ready (pod api-85454dd74-6fn95: Starting)"],
        ["waiting", "shop/api 0/3 ready (pod api-85454dd74-6fn95: ImagePullBackOff)"],
        [
          "failed",
          'shop/api 0/3 ready (ProgressDeadlineExceeded: ReplicaSet "api-85454dd74" has timed out progressing.)',
        ],
      ],
    ],
  ])("%s", (file, expected) => {
    expect(recorded(file).map((r) => [read(r).phase, read(r).line])).toEqual(expected);
  });

  it("explains a never-pulling image with the kubelet's reason and message", () => {
    const states = recorded("update-never-pulls.json");
    const s = read(states[states.length - 1]!);
    expect(s.problem).toMatchObject({ reason: "ImagePullBackOff", container: "main", rank: 0 });
    expect(explainRollout(s)).toBe(
      "0/3 ready; pod api-85454dd74-2d9d9 (container main): ImagePullBackOff: " +
        'Back-off pulling image "registry.invalid/shop/api:never": ErrImagePull: simulated registry: ' +
        "registry.invalid/shop/api:never never pulls",
    );
  });

  it("explains an unschedulable pod with the scheduler's message", () => {
    const states = recorded("unschedulable.json");
    expect(explainRollout(read(states[states.length - 1]!))).toMatch(
      /^0\/3 ready; pod api-7b448448df-9qjrl: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/,
    );
  });

  it("names the controller's verdict and the pod behind it when the progress deadline passed", () => {
    const states = recorded("progress-deadline.json");
    expect(explainRollout(read(states[states.length - 1]!))).toMatch(
      new RegExp(
        '^0/3 ready; ProgressDeadlineExceeded: ReplicaSet "api-85454dd74" has timed out progressing\\.; ' +
          "pod api-85454dd74-\\w+ \\(container main\\): ImagePullBackOff",
      ),
    );
  });

  it("counts only the current template's replicas while old ones still serve", () => {
    const states = recorded("update-never-pulls.json");
    const s = read(states[states.length - 1]!);
    const old = states[states.length - 1]!.observation.pods.filter((p) => !p.metadata.name.startsWith("api-85454dd74"));
    expect(old.length).toBeGreaterThan(0); // the previous template's pods are still there...
    expect([s.ready, s.desired, s.waitingFor]).toEqual([0, 3, "3 more replicas ready"]); // ...and do not count
  });

  it("waits for a Deployment that does not exist yet", () => {
    expect(readRollout("shop/api", { deployment: undefined, replicaSets: [], pods: [] })).toMatchObject({
      phase: "waiting",
      line: "shop/api waiting for the Deployment to exist",
    });
  });
});
