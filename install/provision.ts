// Provisioning phase of `lattice install`: the cluster of cluster.yaml through the SAME
// LatticeCluster component the Pulumi program uses (components/cluster.ts), in root mode, run by the
// Automation API as an inline program — no second implementation. Its stack state is a file
// backend in <state-dir>/pulumi, encrypted with a passphrase generated once and kept there (0600).
// A run killed mid-`up` leaves a lock and pending operations in that backend: resume removes a lock
// whose process is gone and drops the pending operations (the provider's create is an idempotent
// server-side apply followed by a wait, so running it again is safe), then runs `up` again.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import { EngineMissing } from "../cli/failures";
import { ROOT, findEngine, projectToolsDir } from "../cli/engine";
import type { ClusterSpec } from "../components/cluster";
import { alive } from "./bootstrap/procs";

const PROJECT = "lattice-install";
const STACK = "install";

export interface ProvisionOptions {
  stateDir: string;
  cluster: string;
  namespace: string;
  spec: ClusterSpec;
  /** The bootstrap's admin kubeconfig (content). */
  bootstrapKubeconfig: string;
  timeoutSeconds: number;
  /** Progress lines (the provider's: "machines ready 2/4", …), one per change. */
  log: (line: string) => void;
}

export interface Provisioned {
  /** The new cluster's admin kubeconfig (CAPI's <cluster>-kubeconfig). */
  kubeconfig: string;
  machines: { ready: number; total: number };
}

function passphrase(dir: string): string {
  const f = path.join(dir, "passphrase");
  if (!existsSync(f)) writeFileSync(f, randomBytes(24).toString("base64url"), { mode: 0o600 });
  return readFileSync(f, "utf8").trim();
}

/** Remove what a killed engine run leaves in a file backend: a lock whose process is gone. */
function clearStaleLocks(backendDir: string): void {
  const locks = path.join(backendDir, ".pulumi", "locks");
  if (!existsSync(locks)) return;
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)],
    );
  for (const f of walk(locks)) {
    let pid = 0;
    try {
      pid = (JSON.parse(readFileSync(f, "utf8")) as { pid?: number }).pid ?? 0;
    } catch {
      // unreadable: treat as stale
    }
    if (!pid || !alive(pid)) rmSync(f, { force: true });
  }
}

async function openStack(o: ProvisionOptions): Promise<Stack> {
  const engine = findEngine();
  if (!engine) throw new EngineMissing(path.join(projectToolsDir(), "bin", "pulumi"));
  const backendDir = path.join(o.stateDir, "pulumi");
  mkdirSync(backendDir, { recursive: true, mode: 0o700 });
  clearStaleLocks(backendDir);
  // The dynamic providers' plugin resolves @pulumi/pulumi from the program's directory.
  const modules = path.join(backendDir, "node_modules");
  if (!existsSync(modules)) symlinkSync(path.join(ROOT, "node_modules"), modules);
  const env = {
    ...engine.env,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase(backendDir),
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const pulumiCommand = await PulumiCommand.get({
    ...(engine.source === "project" ? { root: path.dirname(path.dirname(engine.pulumi)) } : {}),
    skipVersionCheck: true,
  });
  const program = async () => {
    // Loaded here, in the workspace directory (see provision()): a dynamic provider's shell records
    // the package root relative to the working directory when its module loads.
    const { LatticeCluster } = await import("../components/cluster");
    const c = new LatticeCluster(o.cluster, {
      clusterName: o.cluster,
      namespace: o.namespace,
      spec: o.spec,
      parent: { kubeconfig: pulumi.secret(o.bootstrapKubeconfig) },
      root: true,
      timeoutSeconds: o.timeoutSeconds,
    });
    return { kubeconfig: c.kubeconfig, machines: c.machines, phase: c.phase };
  };
  return LocalWorkspace.createOrSelectStack(
    { stackName: STACK, projectName: PROJECT, program },
    {
      workDir: backendDir,
      envVars: env,
      pulumiHome: engine.home,
      pulumiCommand,
      projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${backendDir}` } },
    },
  );
}

/** Drop the pending operations a killed run recorded (see the file comment). */
async function clearPending(stack: Stack): Promise<number> {
  const state = await stack.exportStack();
  const pending = (state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? [];
  if (!pending.length) return 0;
  (state.deployment as { pending_operations?: unknown[] }).pending_operations = [];
  await stack.importStack(state);
  return pending.length;
}

/** Provision (or resume provisioning) until the cluster runs; its kubeconfig on return. */
export async function provision(o: ProvisionOptions): Promise<Provisioned> {
  const stack = await openStack(o);
  const dropped = await clearPending(stack);
  if (dropped) o.log(`provisioning: resuming an interrupted run (${dropped} pending operation(s) dropped)`);
  let last = "";
  // The dynamic providers' shell records the package root relative to the program's directory
  // (providers/shell.ts), and their process runs in the workspace: construct them from there.
  const cwd = process.cwd();
  process.chdir(path.join(o.stateDir, "pulumi"));
  const res = await stack
    .up({
      onEvent: (e) => {
        const d = e.diagnosticEvent;
        const line = d?.message.trim();
        if (line && /LatticeCluster /.test(line) && line !== last) {
          last = line;
          o.log(`provisioning: ${line.replace(/^.*LatticeCluster /, "")}`);
        }
      },
    })
    .catch((e: Error) => {
      throw new Error(engineFailure(e.message), { cause: e });
    })
    .finally(() => process.chdir(cwd));
  const out = res.outputs;
  return {
    kubeconfig: String(out.kubeconfig?.value ?? ""),
    machines: (out.machines?.value as { ready: number; total: number }) ?? { ready: 0, total: 0 },
  };
}

/**
 * The line that says why an engine run failed: the provider's own message ("LatticeCluster ns/name:
 * not ready after … s; waiting for: …") rather than the engine's whole output.
 */
export function engineFailure(output: string): string {
  const lines = output.split("\n").map((l) => l.trim());
  const provider =
    lines.find((l) => /^\* LatticeCluster /.test(l)) ?? lines.find((l) => /^error: LatticeCluster /.test(l));
  if (provider) return provider.replace(/^(\* |error: )/, "");
  const err = lines.filter((l) => l.startsWith("error: ") && !/update failed|preview failed/.test(l)).pop();
  return err ? err.slice("error: ".length) : (lines.find((l) => l) ?? "the engine failed");
}

/** Forget the provisioning stack (its resources now live in the cluster itself, after the pivot). */
export function forgetProvisioning(stateDir: string): void {
  rmSync(path.join(stateDir, "pulumi"), { recursive: true, force: true });
}
