// The pivot's command over the link (design §3.9): what the cell's mover asks of a child's agent,
// as an AgentCommand `spec.pivot`, on the wire (PivotStep in proto/agent.proto) and in the result
// (`status.data`). Shared by the mover's LinkTarget (pivot/link.ts), the cell (which checks the
// command against the ClusterPivot journal it names and renders the copies, agent/cell/pivot-wire.ts)
// and the agent (agent/child/pivot.ts). Identities, UIDs, marks and digests only: never contents.
import { groupOf, keyOf } from "../../core/pivot/model";
import type { VerifiableSummary } from "../../core/pivot/verify";

/** The steps. describe and inventory read; import, activate and remove write (pivot copies only). */
export const PIVOT_OPS = ["describe", "inventory", "import", "activate", "remove"] as const;
export type PivotOp = (typeof PIVOT_OPS)[number];

/** An object of the source by identity (import), or of the target with its UID (activate, remove). */
export interface PivotRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** activate: the source UID its copy carries; remove: the copy's own UID. */
  uid?: string;
}

/** AgentCommand spec.pivot: a step of the pivot whose journal (ClusterPivot in the cell's namespace) is named. */
export interface PivotCommandSpec {
  /** The ClusterPivot in the cell's namespace; its spec.target.link must be the command's cluster. */
  journal: string;
  op: PivotOp;
  /** import: the planned objects to copy (the cell reads and renders them); activate/remove: the copies. */
  objects?: PivotRef[];
  /** describe: CRDs whose storage versions to read ({name: "<plural>.<group>", groupKind: "group/Kind"}). */
  crds?: { name: string; groupKind: string }[];
  /** inventory: the kinds to list in the cluster's Cluster API namespace. */
  kinds?: { apiVersion: string; kind: string }[];
}

/** What describe answers. */
export interface DescribeData {
  /** UID of the child's kube-system Namespace. */
  identity: string;
  /** Storage version by "group/Kind" (absent: not served). */
  types: Record<string, string>;
}

/** One object of an inventory: its identity and what verification needs (core/pivot/verify.ts). */
export interface InventoryObject extends Omit<VerifiableSummary, "key"> {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

/** What inventory answers. */
export interface InventoryData {
  objects: InventoryObject[];
}

/** The wire's args_json of each op. */
export type PivotArgs =
  | { op: "describe"; crds: { name: string; groupKind: string }[] }
  | { op: "inventory"; kinds: { apiVersion: string; kind: string }[] }
  | { op: "import" }
  | { op: "activate" | "remove"; objects: PivotRef[] };

/** Result message of an import whose object is another's (the mover reports a conflict). */
export const CONFLICT_PREFIX = "conflict:";

/** The key an inventory object has in a plan (core/pivot/model.ts keyOf). */
export const inventoryKey = (o: Pick<InventoryObject, "apiVersion" | "kind" | "namespace" | "name">): string =>
  keyOf({ group: groupOf(o.apiVersion), kind: o.kind, namespace: o.namespace, name: o.name });
