// The run-time half of the provider shell (./shell.ts). The serialized `configure` finds the package
// and calls this module's `configure` in the dynamic-provider process; it loads the implementation
// and makes its methods the provider's. Nothing here is serialized, so a change here reaches every
// existing stack on its next run.
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { exitWhenEngineGone } from "./engine-gone";
import type { ProviderImplementation, Shell } from "./shell";

/** The methods an implementation module must export. */
const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

/** Load `shell.lattice.impl` from the package at `base` and install its methods on the shell. */
export function configure(shell: Shell, base: string): void {
  exitWhenEngineGone();
  const file = path.join(base, shell.lattice.impl);
  const impl = require(file) as Partial<ProviderImplementation>;
  const missing = METHODS.filter((m) => typeof impl[m] !== "function");
  if (missing.length) throw new Error(`Lattice: ${file} does not export ${missing.join(", ")}`);
  const methods = Object.fromEntries(METHODS.map((m) => [m, impl[m]])) as ProviderImplementation;
  Object.assign(shell, methods, { diff: migratingDiff(methods.diff) });
}

/** The property in which Pulumi stores a dynamic resource's serialized provider (inputs and outputs). */
const PROVIDER_KEY = "__provider";

/**
 * The implementation's diff, reporting a change also when the stored shell differs from the
 * current one. Refresh and destroy run the shell stored in a resource's outputs, and a step without
 * changes keeps the old outputs; so without this, a stack deployed with an older shell (such as the
 * first one, which stored absolute paths) would keep it. The update this causes re-applies the same
 * objects and stores the current shell: one `up` migrates a stack.
 */
export function migratingDiff(diff: ProviderImplementation["diff"]): ProviderImplementation["diff"] {
  return async (id, olds, news): Promise<pulumi.dynamic.DiffResult> => {
    const result = await diff(id, olds, news);
    return olds[PROVIDER_KEY] === news[PROVIDER_KEY] ? result : { ...result, changes: true };
  };
}
