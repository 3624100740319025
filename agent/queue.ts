// The link's client API for code that holds only the parent's kubeconfig (dynamic providers, the
// CLI): issue a bootstrap token for a new cluster, queue commands for its agent and wait for their
// results, read its link status. Nothing here dials a child or the cell.
//
//   const grant = await issueBootstrapToken(parent, "c1", { capiNamespace: "default" }); // token once
//   const h = await enqueueCommand(parent, "c1", { kind: "reportStatus" }, { name: "c1-status-1" });
//   const outcome = await waitForResult(parent, h, { timeoutMs: 60_000 });
//   const link = await readLinkStatus(parent, "c1");
export { issueBootstrapToken, type BootstrapGrant, type IssueOptions } from "./tokens/issue";
export {
  enqueueCommand,
  waitForResult,
  getCommand,
  CommandConflictError,
  CommandTimeoutError,
  type CommandBody,
  type CommandHandle,
  type CommandOutcome,
  type EnqueueOptions,
} from "./api/commands";
export { readLinkStatus, type LinkStatus, type LinkState } from "./api/link-status";
export { installLinkCrds, linkCrds } from "./deploy/crds";
export {
  DEFAULT_NAMESPACE,
  type AgentCommand,
  type ClusterLink,
  type ClusterLinkStatus,
  type LinkHealth,
} from "./api/types";
