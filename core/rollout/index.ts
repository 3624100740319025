// Rollout reading: is a Deployment rolled out, and why not (pure; the waiter is kube/rollout.ts).
export { readRollout, explainRollout, type RolloutObservation, type RolloutState } from "./read";
export { podProblem, podProblemFix, type PodProblem } from "./pods";
