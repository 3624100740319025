// The pivot mover's pure core: discovery rules, the object graph, the plan, digests, the copy body,
// decisions about the target, verification, the journal's model and the invariants. The I/O lives
// in pivot/ (ports, journal store, run loop).
export * from "./model";
export { discoveryTypes, isDiscoveryCrd, storageVersion, CORE_TYPES } from "./discovery";
export { buildGraph, classRefOf, softOwnerClusterName, type GraphNode, type ObjectGraph } from "./graph";
export { planPivot, keyOfEntry, moveSequence, type PlanInput, type PlanResult } from "./plan";
export { normalise, digestOf, setDigest, canonicalJson, finalizersOf, moverFieldsOf, isCluster } from "./normalise";
export { renderCopy, MissingOwnerError, ACTIVATE_CLUSTER_PATCH, ACTIVATE_CLASS_PATCH } from "./copy";
export type { CopyContext, LiveOwner, ClusterRecord } from "./copy";
export {
  decideCopy,
  targetRefusals,
  pivotMarks,
  type CopyDecision,
  type TargetObjectSummary,
  type TargetTypes,
} from "./target";
export { verifyCopies, type VerifiableSummary, type Verification } from "./verify";
export * from "./journal";
export { checkInvariants, isPaused, type InvariantInput, type SideSnapshot, type Violation } from "./invariants";
export { formatPlan, formatRefusals } from "./format";
