// podProblem on pod statuses a real kubelet writes but the test bed's simulator does not (crash
// loops, exit codes, init containers), written out by hand after the kubelet's status shapes; the
// states the simulator produces are covered by read.test.ts's recordings.
import type { KubeObject } from "../k8s/object";
import { podProblem, podProblemFix } from "./pods";

const pod = (status: Record<string, unknown>): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "api-1", namespace: "shop" },
  status,
});
const scheduled = { type: "PodScheduled", status: "True" };
const notReady = { type: "Ready", status: "False", reason: "ContainersNotReady" };

describe("podProblem", () => {
  it("is undefined for a ready pod", () => {
    expect(podProblem(pod({ phase: "Running", conditions: [scheduled, { type: "Ready", status: "True" }] }))).toBe(
      undefined,
    );
  });

  it("reports a crash loop with the container and its last exit", () => {
    const p = podProblem(
      pod({
        phase: "Running",
        conditions: [scheduled, notReady],
        containerStatuses: [
          {
            name: "main",
            ready: false,
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            lastState: { terminated: { reason: "Error", exitCode: 1 } },
          },
        ],
      }),
    );
    expect(p).toEqual({
      pod: "api-1",
      container: "main",
      reason: "CrashLoopBackOff",
      message: "back-off 40s restarting failed container",
      rank: 0,
    });
    expect(podProblemFix(p!, "shop")).toBe("the container exits: read its log (kubectl -n shop logs api-1 --previous)");
  });

  it("reports a container that exited with its exit code", () => {
    expect(
      podProblem(
        pod({
          conditions: [scheduled, notReady],
          containerStatuses: [{ name: "main", state: { terminated: { reason: "OOMKilled", exitCode: 137 } } }],
        }),
      ),
    ).toMatchObject({ container: "main", reason: "OOMKilled", message: "exit code 137", rank: 1 });
  });

  it("looks at init containers first", () => {
    expect(
      podProblem(
        pod({
          conditions: [scheduled, notReady],
          initContainerStatuses: [{ name: "migrate", state: { waiting: { reason: "ErrImagePull" } } }],
          containerStatuses: [{ name: "main", state: { waiting: { reason: "PodInitializing" } } }],
        }),
      ),
    ).toMatchObject({ container: "migrate", reason: "ErrImagePull", rank: 0 });
  });

  it("says a running container failing its readiness probe is not ready", () => {
    expect(
      podProblem(
        pod({
          phase: "Running",
          conditions: [scheduled, notReady],
          containerStatuses: [{ name: "main", ready: false, state: { running: {} } }],
        }),
      ),
    ).toMatchObject({ reason: "NotReady", message: "containers not ready: main", rank: 4 });
  });

  it("ranks: a failing container before an unschedulable pod before a slow one", () => {
    const ranks = [
      pod({
        conditions: [scheduled],
        containerStatuses: [{ name: "m", state: { waiting: { reason: "ContainerCreating" } } }],
      }),
      pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] }),
      pod({
        conditions: [scheduled],
        containerStatuses: [{ name: "m", state: { waiting: { reason: "InvalidImageName" } } }],
      }),
    ].map((p) => podProblem(p)!.rank);
    expect(ranks).toEqual([3, 2, 0]);
  });
});
