// What is wrong with one pod that is not ready: the kubelet's and the scheduler's own words
// (container waiting/terminated reasons, the PodScheduled condition), ranked so that a wait is
// explained by its most telling pod, plus what a person does about each reason.
import type { KubeObject } from "../k8s/object";

/** A pod that is not ready, and why. */
export interface PodProblem {
  pod: string;
  container?: string;
  /** The kubelet's or the scheduler's reason: ImagePullBackOff, CrashLoopBackOff, Unschedulable, … */
  reason: string;
  message?: string;
  /** Lower explains more: a failing container beats an unschedulable pod beats a slow one. */
  rank: number;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}
interface PodLike {
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** Waiting reasons that mean the container cannot start until someone changes something. */
const FAILING = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/** The problem of one pod, or undefined when it is ready. */
export function podProblem(pod: KubeObject): PodProblem | undefined {
  const s = (pod as PodLike).status ?? {};
  const name = pod.metadata.name;
  const ready = s.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") return undefined;
  const containers = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])];
  for (const c of containers) {
    const w = c.state?.waiting;
    if (w?.reason && FAILING.has(w.reason))
      return { pod: name, container: c.name, reason: w.reason, ...(w.message ? { message: w.message } : {}), rank: 0 };
  }
  for (const c of containers) {
    const t = c.state?.terminated ?? c.lastState?.terminated;
    if (t && t.exitCode !== 0)
      return {
        pod: name,
        container: c.name,
        reason: t.reason ?? "Error",
        message: `exit code ${t.exitCode ?? "unknown"}`,
        rank: 1,
      };
  }
  const scheduled = s.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False")
    return {
      pod: name,
      reason: scheduled.reason ?? "Unschedulable",
      ...(scheduled.message ? { message: scheduled.message } : {}),
      rank: 2,
    };
  if (!scheduled) return { pod: name, reason: "NotScheduled", message: "no scheduler has placed it yet", rank: 3 };
  if (!containers.length)
    return { pod: name, reason: "Starting", message: "placed on a node, no container status yet", rank: 3 };
  for (const c of containers) {
    const w = c.state?.waiting;
    if (w?.reason) return { pod: name, container: c.name, reason: w.reason, rank: 3 };
  }
  const unready = containers.filter((c) => !c.ready).map((c) => c.name);
  return {
    pod: name,
    reason: "NotReady",
    message: unready.length ? `containers not ready: ${unready.join(", ")}` : (ready?.message ?? "not ready yet"),
    rank: 4,
  };
}

/** What a person does about a pod problem (one sentence; kubectl names the pod for the details). */
export function podProblemFix(p: PodProblem, namespace: string): string {
  const describe = `kubectl -n ${namespace} describe pod ${p.pod}`;
  switch (p.reason) {
    case "ImagePullBackOff":
    case "ErrImagePull":
    case "ErrImageNeverPull":
    case "InvalidImageName":
      return `check the image name and tag in spec.containers and the registry's credentials (${describe})`;
    case "CrashLoopBackOff":
    case "Error":
    case "OOMKilled":
      return `the container exits: read its log (kubectl -n ${namespace} logs ${p.pod} --previous)`;
    case "CreateContainerConfigError":
    case "CreateContainerError":
    case "RunContainerError":
      return `the container cannot be created from its configuration (${describe})`;
    case "Unschedulable":
      return `no node can take the pod: lower its resource requests or add nodes (${describe})`;
    default:
      return `see why the pod is not ready: ${describe}`;
  }
}
