// Upgrading a stack deployed by the previous resource model (docs/decisions/resource-model.md).
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { LatticeService as LatticeServiceDocument } from "../core/spec";

/** A service that the previous model may have deployed, and where its resources were. */
export interface LegacyCandidate {
  component: string;
  doc: LatticeServiceDocument;
  namespace: string;
  parent?: pulumi.Resource;
  provider?: k8s.Provider;
}

/** Register what the previous model left that must not be deleted; resolves to those resources. */
export function registerLegacy(
  _candidates: readonly LegacyCandidate[],
  _settings: { kubeconfig: pulumi.Input<string>; trustDomain: string; awaitWorkloads: boolean },
): Promise<pulumi.Resource[]> {
  return Promise.resolve([]);
}
