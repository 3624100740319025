// The cell's half of a pivot step (AgentCommand spec.pivot → PivotStep on the wire). The cell sends
// a step only for a ClusterPivot journal in its namespace whose target is this cluster's link, fills
// the pivot's id in from that journal (the agent acts only on objects carrying it), and admits each
// op only in the phases that need it:
//   describe, inventory   any phase (read-only; the preflight reads before anything is paused)
//   import                Copying (the plan is frozen): each object named must be in the frozen plan
//                         with the same UID; the cell reads it from the parent and renders the copy
//                         (core/pivot/copy.ts) — so only planned objects leave, Secrets included,
//                         and no AgentCommand ever holds Secret data
//   activate              Activated (the source is fenced)
//   remove                Copying (strays) and RollingBack
import { renderCopy } from "../../core/pivot/copy";
import { fromJournalEntry, type Phase } from "../../core/pivot/journal";
import { keyOf, type PlanEntry } from "../../core/pivot/model";
import type { KubeObject } from "../../core/k8s/object";
import type { KubeClient } from "../../kube/client";
import { JournalStore } from "../../pivot/journal-store";
import type { PivotCommandSpec } from "../api/pivot-wire";
import type { PivotStep } from "../protocol/load";
import { CommandBuildError } from "./command-wire";

const PHASES: Readonly<Record<PivotCommandSpec["op"], readonly Phase[] | "any">> = {
  describe: "any",
  inventory: "any",
  import: ["Copying"],
  activate: ["Activated"],
  remove: ["Copying", "RollingBack"],
};

/** The wire step of a pivot command for `cluster`; CommandBuildError when the journal does not admit it. */
export async function toPivotStep(
  kube: KubeClient,
  namespace: string,
  cluster: string,
  spec: PivotCommandSpec,
): Promise<PivotStep> {
  const j = await new JournalStore(kube, namespace).get(spec.journal);
  if (!j) throw new CommandBuildError(`ClusterPivot ${namespace}/${spec.journal} does not exist`);
  if (j.spec.target.mode !== "link" || j.spec.target.link !== cluster)
    throw new CommandBuildError(`ClusterPivot ${namespace}/${spec.journal} does not move to cluster "${cluster}"`);
  const phase = j.status?.phase ?? "Planned";
  const allowed = PHASES[spec.op];
  if (!allowed) throw new CommandBuildError(`unknown pivot step "${String(spec.op)}"`);
  if (allowed !== "any" && !allowed.includes(phase))
    throw new CommandBuildError(`pivot step ${spec.op} is not allowed while ClusterPivot ${spec.journal} is ${phase}`);
  const base = { pivotId: j.spec.pivotId, op: spec.op };
  switch (spec.op) {
    case "describe":
      return { ...base, argsJson: JSON.stringify({ crds: spec.crds ?? [] }) };
    case "inventory":
      return { ...base, argsJson: JSON.stringify({ kinds: spec.kinds ?? [] }) };
    case "activate":
    case "remove":
      return { ...base, argsJson: JSON.stringify({ objects: spec.objects ?? [] }) };
    case "import":
      break;
  }
  const plan = (j.status?.plan ?? []).map(fromJournalEntry);
  const byKey = new Map(plan.map((e) => [keyOf(e), e]));
  const bySourceUid = new Map(plan.map((e) => [e.sourceUid, e]));
  const record = { sourceIdentity: j.spec.source.apiIdentity, setDigest: j.status?.setDigest ?? "" };
  const copies: string[] = [];
  for (const ref of spec.objects ?? []) {
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0]! : "";
    const entry: PlanEntry | undefined = byKey.get(
      keyOf({ group, kind: ref.kind, namespace: j.spec.namespace, name: ref.name }),
    );
    if (!entry) throw new CommandBuildError(`${ref.kind} ${ref.name} is not in the frozen plan of ${spec.journal}`);
    const obj = await kube.getOrUndefined<KubeObject>({
      apiVersion: entry.apiVersion,
      kind: entry.kind,
      namespace: j.spec.namespace,
      name: entry.name,
    });
    const uid = (obj?.metadata as { uid?: string } | undefined)?.uid;
    if (!obj || uid !== entry.sourceUid)
      throw new CommandBuildError(`${ref.kind} ${ref.name} is ${obj ? "another object now" : "gone"} in the parent`);
    // Owners are named by kind and name; the agent finds their UIDs in the child.
    const copy = renderCopy(obj, entry, {
      pivotId: j.spec.pivotId,
      record,
      ownerOf: (src) => {
        const owner = bySourceUid.get(src);
        return owner ? { entry: owner, targetUid: "" } : undefined;
      },
    });
    // The source's managedFields travel with the copy: the agent restores them after writing it.
    const managedFields = (obj.metadata as { managedFields?: unknown[] }).managedFields;
    if (managedFields?.length) (copy.metadata as { managedFields?: unknown[] }).managedFields = managedFields;
    copies.push(JSON.stringify(copy));
  }
  return { ...base, objectsJson: copies };
}
