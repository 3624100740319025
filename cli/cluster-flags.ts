// The flags with which `lattice render` says how LatticeCluster manifests reach the parent. Both
// or neither: without them the manifests still render, and nodes read the parent's bootstrap URL
// and CA from the bootstrap Secret (core/cluster/link-contract.ts).
import { readFileSync } from "node:fs";
import type { ClusterCompileOptions } from "../core/cluster";
import { CliError } from "./args";

/** parseArgs options for the parent link. */
export const PARENT_FLAGS = {
  "parent-endpoint": { type: "string" },
  "parent-ca-file": { type: "string" },
} as const;

/** Help lines for PARENT_FLAGS. */
export const PARENT_FLAGS_HELP = `\
  --parent-endpoint URL    the cell's bootstrap endpoint (https://host:port) written into
                           LatticeCluster manifests
  --parent-ca-file FILE    the PEM CA nodes trust for it (both or neither; without them nodes read
                           both from the <cluster>-lattice-bootstrap Secret)`;

/** Cluster compile options from the flags; CliError when only one is given or the file is unreadable. */
export function clusterOptionsFromFlags(
  command: string,
  values: { "parent-endpoint"?: string; "parent-ca-file"?: string },
): ClusterCompileOptions | undefined {
  const url = values["parent-endpoint"];
  const caFile = values["parent-ca-file"];
  if (url === undefined && caFile === undefined) return undefined;
  if (url === undefined || caFile === undefined)
    throw new CliError(`${command}: --parent-endpoint and --parent-ca-file go together`);
  let caPem: string;
  try {
    caPem = readFileSync(caFile, "utf8");
  } catch (e) {
    throw new CliError(`${command}: --parent-ca-file ${caFile}: ${(e as Error).message}`, 1);
  }
  return { parent: { bootstrapUrl: url, caPem } };
}
