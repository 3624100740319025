// The agreement graph: bilateral edges, one-sided declarations, unknown references, shared volumes,
// and explain(from, to).
export { analyseDocuments, buildGraph } from "./build";
export type { Analysis } from "./build";
export { explain, renderExplanation, resolveRef } from "./explain";
export type { Explanation } from "./explain";
export { graphSummary, graphToDot, graphToJson, graphToMermaid, volumeProblem } from "./format";
export type { EdgeJson, GraphSummary } from "./format";
export { declarationPath, quoteDeclaration } from "./model";
export type {
  Declaration,
  Edge,
  EdgeStatus,
  EdgeType,
  Graph,
  GraphNode,
  NodeKind,
  PeerRef,
  ResolvedPeers,
  RequesterDeclarationRef,
  ResourceDeclarationRef,
  UnknownReference,
  VolumeDeclarationRef,
  VolumeGroup,
} from "./model";
