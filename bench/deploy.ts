// npm run bench:deploy — the first `pulumi up` of a 100-service mesh through the real engine
// (infra/, the components, the dynamic providers) against a real kube-apiserver, compared in the
// same run with a baseline that server-side-applies the same compiled objects one by one (what
// `kubectl apply --server-side` does), and then a no-op `up`. Each run gets a fresh control plane.
// Last line: {"services":100,"up_s":…,"baseline_s":…,"ratio":…,"noop_s":…, plus the same first
// `up` and no-op without the engine's per-step checkpoints: "up_skip_checkpoints_s", …, and
// "noop_autolog_s": the no-op again with Pulumi's automatic diagnostic log on}.
//
// The engine runs as the test bed configures it (tools/build): Pulumi 3.259's automatic logging
// (every property of every step, compressed and encrypted into $PULUMI_HOME/logs, with no switch to
// turn it off) is off there, so the figures are Lattice's and the engine's work, not that log's.
// noop_autolog_s shows what the log adds, from a PULUMI_HOME that shares the plugins and has it on.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { compileDeclarationRecord } from "../core/agreements";
import { compileAll } from "../core/compile";
import { applyOrder } from "../providers/objectset/drift";
import { keyObjects } from "../providers/objectset";
import { loadDocuments } from "../core/spec";
import { startControlPlanes, stopAll, type ControlPlane } from "../test/harness/controlplane";
import { openStack } from "../test/harness/pulumi";
import { PULUMI_HOME } from "../test/harness/tools";

const N = Number(process.env.LATTICE_BENCH_SERVICES ?? 100);
const FANOUT = 3;
/** Engine parallelism (`pulumi up --parallel`). Lattice's steps wait on I/O, so more steps in flight
 * than the CLI's default (4 per core) shorten the membership → policy/workload chain: a 100-service
 * no-op measured ~15–20 s at 8 or 32 and ~12.5–13 s at 64 or 256 on the 2-core test machine. */
const PARALLEL = Number(process.env.LATTICE_BENCH_PARALLEL ?? 64);
const TRUST_DOMAIN = "bench.test";

/** Service i calls i+1..i+FANOUT (mod N) and admits its FANOUT callers. */
function meshYaml(n: number): string {
  const name = (i: number) => `svc-${String(((i % n) + n) % n).padStart(3, "0")}`;
  const docs = Array.from({ length: n }, (_, i) => {
    const resources: Record<string, unknown> = {};
    for (let k = 1; k <= FANOUT; k++) resources[name(i + k)] = { type: "service", direction: "outbound" };
    for (let k = 1; k <= FANOUT; k++) resources[name(i - k)] = { type: "service", direction: "inbound" };
    return {
      apiVersion: "lattice.dev/v1alpha1",
      kind: "LatticeService",
      metadata: { name: name(i), namespace: "mesh" },
      spec: {
        containers: {
          main: { image: "ghcr.io/example/svc:1.0.0", resources: { requests: { cpu: "50m", memory: "64Mi" } } },
        },
        service: { ports: { http: { port: 8080 } } },
        resources,
      },
    };
  });
  return docs.map((d) => stringify(d)).join("---\n");
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-deploy-"));
  const file = path.join(dir, "mesh.yaml");
  writeFileSync(file, meshYaml(N));
  const loaded = loadDocuments([{ file, text: meshYaml(N) }]);
  const compiled = compileAll(loaded.docs, { trustDomain: TRUST_DOMAIN, defaultNamespace: "default" });
  if (loaded.errors.length || !compiled.ok) throw new Error("the benchmark mesh does not compile");
  const records = loaded.docs.map(({ doc }) => compileDeclarationRecord(doc as never, "mesh"));
  const objects = keyObjects([...compiled.objects, ...records]);
  const [base, engine, unchecked] = await startControlPlanes(3, { name: "bench", crds: ["cilium", "istio"] });
  try {
    // Baseline: every object server-side applied in order, one request at a time.
    const t0 = Date.now();
    for (const key of applyOrder(Object.keys(objects), objects))
      await base!.client.apply(objects[key]!, { fieldManager: "kubectl" });
    const baselineMs = Date.now() - t0;
    process.stderr.write(`baseline: ${Object.keys(objects).length} objects in ${seconds(baselineMs)} s\n`);

    const first = await deploy(engine!, dir, "bench", {}, async (stateDir) => {
      // The same stack once more, from a PULUMI_HOME with Pulumi's automatic logging on.
      const home = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-home-"));
      try {
        symlinkSync(path.join(PULUMI_HOME, "plugins"), path.join(home, "plugins"));
        mkdirSync(path.join(home, "logs"));
        const again = await openStack({
          stackName: "bench",
          stateDir,
          pulumiHome: home,
          config: stackConfig(engine!, dir),
        });
        const t = Date.now();
        const noop = await again.up({ parallel: PARALLEL });
        const ms = Date.now() - t;
        process.stderr.write(
          `bench: no-op up with automatic logging ${JSON.stringify(noop.changes)} in ${seconds(ms)} s\n`,
        );
        if (Object.keys(noop.changes).some((k) => k !== "same"))
          throw new Error(`the up with automatic logging was not a no-op: ${JSON.stringify(noop.changes)}`);
        return ms;
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
    // The same first `up` without the engine's per-step checkpoints: with a file backend the engine
    // rewrites the whole state after every step (quadratic in the number of resources), which is
    // most of the default run's time; Pulumi Cloud journals steps instead.
    const quick = await deploy(unchecked!, dir, "bench-unchecked", { PULUMI_SKIP_CHECKPOINTS: "true" });
    console.log(
      JSON.stringify({
        services: N,
        parallel: PARALLEL,
        up_s: seconds(first.upMs),
        baseline_s: seconds(baselineMs),
        ratio: Math.round((first.upMs / baselineMs) * 100) / 100,
        noop_s: seconds(first.noopMs),
        up_skip_checkpoints_s: seconds(quick.upMs),
        ratio_skip_checkpoints: Math.round((quick.upMs / baselineMs) * 100) / 100,
        noop_skip_checkpoints_s: seconds(quick.noopMs),
        noop_autolog_s: seconds(first.extraMs ?? NaN),
      }),
    );
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

function stackConfig(cp: ControlPlane, dir: string) {
  return {
    "lattice:kubeconfig": { value: cp.kubeconfig, secret: true },
    "lattice:services": { value: dir },
    "lattice:trustDomain": { value: TRUST_DOMAIN },
    "lattice:awaitWorkloads": { value: "false" },
  };
}

/** A first `up` and a no-op `up` of the mesh in `dir` against one control plane; then `extra`
 * (given the state directory) while the stack still exists. */
async function deploy(
  cp: ControlPlane,
  dir: string,
  stackName: string,
  env: Record<string, string>,
  extra?: (stateDir: string) => Promise<number>,
): Promise<{ upMs: number; noopMs: number; extraMs?: number }> {
  const stack = await openStack({ stackName, env, config: stackConfig(cp, dir) });
  try {
    const t1 = Date.now();
    const up = await stack.up({ parallel: PARALLEL });
    const upMs = Date.now() - t1;
    process.stderr.write(`${stackName}: up ${JSON.stringify(up.changes)} in ${seconds(upMs)} s\n`);
    const t2 = Date.now();
    const noop = await stack.up({ parallel: PARALLEL });
    const noopMs = Date.now() - t2;
    process.stderr.write(`${stackName}: no-op up ${JSON.stringify(noop.changes)} in ${seconds(noopMs)} s\n`);
    if (Object.keys(noop.changes).some((k) => k !== "same"))
      throw new Error(`the second up was not a no-op: ${JSON.stringify(noop.changes)}`);
    return { upMs, noopMs, ...(extra ? { extraMs: await extra(stack.stateDir) } : {}) };
  } finally {
    await stack.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
