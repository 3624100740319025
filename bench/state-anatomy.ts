// What fills a Pulumi checkpoint: for each resource type, how many resources and how many bytes of
// the state file they take, split into what the bytes are (as the JSON the file backend writes):
//   provider   the serialized dynamic provider ("__provider", in inputs and in outputs)
//   secrets    ciphertexts of secret values (kubeconfigs, each encrypted on its own)
//   k8sInputs  the copy of its inputs a @pulumi/kubernetes resource keeps in its outputs ("__inputs")
//   inputs     the rest of the inputs
//   outputs    the rest of the outputs (for a dynamic resource, usually its inputs again)
//   deps       dependencies and propertyDependencies (URNs)
//   other      URN, type, parent, provider reference, timestamps, flags
// Used by bench:deploy (state_by_type) and for docs/architecture.md's breakdown.

/** One resource of a checkpoint, as far as the breakdown needs it. */
interface StateResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  [other: string]: unknown;
}

/** Bytes per kind of content. */
export interface Bytes {
  provider: number;
  secrets: number;
  k8sInputs: number;
  inputs: number;
  outputs: number;
  deps: number;
  other: number;
  total: number;
}

/** One resource type's share of a checkpoint. */
export interface TypeShare extends Bytes {
  type: string;
  count: number;
}

const size = (v: unknown) => (v === undefined ? 0 : JSON.stringify(v).length);

/** Bytes of secret ciphertexts anywhere in a value (Pulumi's {"4dabf18193072939515e22adb298388d": ..., ciphertext}). */
function secretBytes(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + secretBytes(x), 0);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.ciphertext === "string") return size(o);
    return Object.values(o).reduce((n: number, x) => n + secretBytes(x), 0);
  }
  return 0;
}

/** Split one properties map into provider, secrets, k8s input copy and the rest. */
function splitProps(props: Record<string, unknown> | undefined): {
  provider: number;
  secrets: number;
  k8sInputs: number;
  rest: number;
} {
  if (!props) return { provider: 0, secrets: 0, k8sInputs: 0, rest: 0 };
  const provider = props.__provider === undefined ? 0 : size(props.__provider) + '"__provider":,'.length;
  const k8sInputs = props.__inputs === undefined ? 0 : size(props.__inputs) + '"__inputs":,'.length;
  const rest: Record<string, unknown> = { ...props };
  delete rest.__provider;
  delete rest.__inputs;
  const secrets = secretBytes(rest);
  return { provider, secrets, k8sInputs, rest: Math.max(0, size(rest) - secrets) };
}

/** Bytes of one resource, by kind of content. */
export function resourceBytes(r: StateResource): Bytes {
  const total = size(r);
  const i = splitProps(r.inputs);
  const o = splitProps(r.outputs);
  const deps = size(r.dependencies) + size(r.propertyDependencies);
  const known = i.provider + o.provider + i.secrets + o.secrets + i.k8sInputs + o.k8sInputs + i.rest + o.rest + deps;
  return {
    provider: i.provider + o.provider,
    secrets: i.secrets + o.secrets,
    k8sInputs: i.k8sInputs + o.k8sInputs,
    inputs: i.rest,
    outputs: o.rest,
    deps,
    other: Math.max(0, total - known),
    total,
  };
}

/** The breakdown of a checkpoint's resources by type, largest first. */
export function stateByType(resources: readonly StateResource[]): TypeShare[] {
  const byType = new Map<string, TypeShare>();
  for (const r of resources) {
    const b = resourceBytes(r);
    let t = byType.get(r.type);
    if (!t) {
      t = {
        type: r.type,
        count: 0,
        provider: 0,
        secrets: 0,
        k8sInputs: 0,
        inputs: 0,
        outputs: 0,
        deps: 0,
        other: 0,
        total: 0,
      };
      byType.set(r.type, t);
    }
    t.count++;
    for (const k of ["provider", "secrets", "k8sInputs", "inputs", "outputs", "deps", "other", "total"] as const)
      t[k] += b[k];
  }
  return [...byType.values()].sort((a, b) => b.total - a.total);
}

/** The resources of a checkpoint file's JSON (a file backend's <stack>.json). */
export function checkpointResources(checkpoint: unknown): StateResource[] {
  const c = checkpoint as { checkpoint?: { latest?: { resources?: StateResource[] } } };
  return c.checkpoint?.latest?.resources ?? [];
}

/** A table of the breakdown, for logs and docs (bytes in KiB, one decimal). */
export function renderStateTable(shares: readonly TypeShare[]): string {
  const kib = (n: number) => (n / 1024).toFixed(1);
  const cols = ["type", "n", "total", "provider", "secrets", "k8s __inputs", "inputs", "outputs", "deps", "other"];
  const rows = shares.map((s) => [
    s.type,
    String(s.count),
    kib(s.total),
    kib(s.provider),
    kib(s.secrets),
    kib(s.k8sInputs),
    kib(s.inputs),
    kib(s.outputs),
    kib(s.deps),
    kib(s.other),
  ]);
  const sum = (k: keyof Bytes) => shares.reduce((n, s) => n + s[k], 0);
  rows.push([
    "all",
    String(shares.reduce((n, s) => n + s.count, 0)),
    kib(sum("total")),
    kib(sum("provider")),
    kib(sum("secrets")),
    kib(sum("k8sInputs")),
    kib(sum("inputs")),
    kib(sum("outputs")),
    kib(sum("deps")),
    kib(sum("other")),
  ]);
  return [
    `| ${cols.join(" | ")} |`,
    `|${cols.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
