// LatticeCluster: a Kubernetes cluster that Lattice provisions through Cluster API. This module only
// validates and types the document; CAPI manifests are compiled elsewhere (see core/compile/compilers.ts).
import { z } from "zod";
import { LATTICE_API_VERSION, documentMetadata, dnsLabel, labelKey, token, integer } from "./fields";
import { checkClusterApiRules } from "./cluster-checks";
import { PREREQUISITE_MODES } from "./cluster-prerequisites";
import { POOL_SIZING_FIELDS, providerConfig, providerOf, PROVIDERS, type ProviderSpec } from "./cluster-providers";

const poolSizing = {
  cores: integer(1, 512).optional(),
  memoryMib: integer(512, 16 * 1024 * 1024).optional(),
  diskGib: integer(8, 65536).optional(),
  instanceType: token(64).optional(),
  flavor: token(255).optional(),
  labels: z.record(labelKey, z.string().max(63)).optional(),
};

const workerPool = z.strictObject({ name: dnsLabel, replicas: integer(0, 1000), ...poolSizing });
const namedWorkerPool = z.strictObject({ replicas: integer(0, 1000), ...poolSizing });

const clusterSpec = z.strictObject({
  // Whether Lattice creates the cloud-side prerequisites (IAM set, key pair, credentials, VM
  // template…) in the same stack, before the CAPI objects (core/cluster/prerequisites). Absent:
  // "existing", the user made them.
  prerequisites: z.enum(PREREQUISITE_MODES).optional(),
  provider: z.strictObject({
    kubernetes: z.strictObject({
      version: z
        .string({
          error: (iss) =>
            typeof iss.input === "number" ? 'expected a version string such as "1.32.0" (quote it)' : undefined,
        })
        .max(64)
        .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(\+[0-9A-Za-z.-]+)?$/, {
          error: 'expected a version such as "1.32.0" or "v1.32.4+rke2r1"',
        }),
      bootstrap: z.enum(["kubeadm", "rke2"]),
    }),
    config: providerConfig,
  }),
  nodes: z.strictObject({
    controlPlane: z.strictObject({ replicas: integer(1, 9) }),
    // A list of pools ([{name, replicas}]) or a map keyed by pool name ({default: {replicas}}).
    workers: z.union([z.array(workerPool).max(64), z.record(dnsLabel, namedWorkerPool)]).optional(),
  }),
});

export const latticeClusterSchema = z
  .strictObject({
    apiVersion: z.literal(LATTICE_API_VERSION),
    kind: z.literal("LatticeCluster"),
    metadata: documentMetadata(dnsLabel),
    spec: clusterSpec,
  })
  .superRefine((doc, ctx) => {
    const spec = doc.spec;
    const set = PROVIDERS.filter((p) => spec.provider.config[p] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["spec", "provider", "config"],
        message: `expected exactly one of ${PROVIDERS.join(", ")}, got ${set.length === 0 ? "none" : set.join(" and ")}`,
      });
      return;
    }
    const cp = spec.nodes.controlPlane.replicas;
    if (cp % 2 === 0)
      ctx.addIssue({
        code: "custom",
        path: ["spec", "nodes", "controlPlane", "replicas"],
        message: `expected an odd number (etcd quorum), got ${cp}`,
      });
    const provider = set[0] as ProviderSpec["provider"];
    const allowed = new Set<string>(POOL_SIZING_FIELDS[provider]);
    const pools = workerPoolsOf(doc);
    const seen = new Set<string>();
    for (const pool of pools) {
      const path: PropertyKey[] = ["spec", "nodes", "workers", pool.path];
      if (seen.has(pool.name))
        ctx.addIssue({ code: "custom", path: [...path, "name"], message: `pool "${pool.name}" is declared twice` });
      seen.add(pool.name);
      for (const f of ["cores", "memoryMib", "diskGib", "instanceType", "flavor"] as const)
        if (pool[f] !== undefined && !allowed.has(f))
          ctx.addIssue({
            code: "custom",
            path: [...path, f],
            message: `not used by the ${provider} provider${allowed.size ? ` (it sizes pools with ${[...allowed].join(", ")})` : ""}`,
          });
    }
    checkClusterApiRules(spec.provider.kubernetes, providerOf(spec.provider.config), pools, ctx);
    if (spec.prerequisites === "create" && provider === "docker")
      ctx.addIssue({
        code: "custom",
        path: ["spec", "prerequisites"],
        message: 'the docker provider has no cloud prerequisites: remove it or set "existing"',
      });
  });

/** A validated LatticeCluster document. */
export type LatticeCluster = z.output<typeof latticeClusterSchema>;

/** A worker pool, whichever way it was written; `path` is its index or key under spec.nodes.workers. */
export interface WorkerPool {
  readonly name: string;
  readonly path: number | string;
  readonly replicas: number;
  readonly cores?: number;
  readonly memoryMib?: number;
  readonly diskGib?: number;
  readonly instanceType?: string;
  readonly flavor?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The worker pools as one list (list order, or map keys sorted). */
export function workerPoolsOf(doc: LatticeCluster): WorkerPool[] {
  const w = doc.spec.nodes.workers;
  if (!w) return [];
  if (Array.isArray(w)) return w.map((p, i) => ({ ...p, path: i }));
  return Object.keys(w)
    .sort()
    .map((name) => ({ ...(w[name] as z.output<typeof namedWorkerPool>), name, path: name }));
}

/** The cluster's provider as a discriminated union. */
export function clusterProvider(doc: LatticeCluster): ProviderSpec {
  return providerOf(doc.spec.provider.config);
}
