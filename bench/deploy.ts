// npm run bench:deploy — `pulumi up` of a mesh through the real engine (infra/, the components, the
// dynamic providers) against a real kube-apiserver, compared in the same run with a baseline that
// server-side-applies the same compiled objects one by one (what `kubectl apply --server-side`
// does). Per size (100 services, then 1,000): a fresh control plane for the baseline and one for
// the engine; the first `up`, a no-op `up`, an `up` changing one field of one service, and the size
// of the stack's state file after it. Checkpoints are on (the engine's default).
//
// Last line: {"services":100,"up_s":…,"baseline_s":…,"ratio":…,"noop_s":…,"update_one_s":…,
// "state_bytes":…,"state_by_type":[…],"services_1000":{the same for 1,000 services}}.
//
// Flags (environment):
//   LATTICE_BENCH_SIZES=100         sizes to run (default "100,1000"; the 1,000 size takes long)
//   LATTICE_BENCH_EXTRAS=1          also, at the first size: the first `up` and no-op without the
//                                   engine's per-step checkpoints (up_skip_checkpoints_s, …) and a
//                                   no-op with Pulumi's automatic diagnostic log on (noop_autolog_s)
//   LATTICE_BENCH_PARALLEL=64       engine parallelism (`pulumi up --parallel`)
//   LATTICE_BENCH_KEEP_STATE=dir    copy each size's final state file into dir (for analysis)
//   LATTICE_BENCH_CPU=1             CPU seconds per kind of process (engine, program, providers,
//                                   kube-apiserver, etcd) during each operation: cpu_up, cpu_noop, …
//
// The engine runs as the test bed configures it (tools/build): Pulumi 3.259's automatic logging
// (every property of every step, compressed and encrypted into $PULUMI_HOME/logs, with no switch to
// turn it off) is off there, so the figures are Lattice's and the engine's work, not that log's.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { compileDeclarationRecord } from "../core/agreements";
import { compileAll } from "../core/compile";
import { loadDocuments } from "../core/spec";
import { applyOrder } from "../providers/objectset/drift";
import { keyObjects } from "../providers/objectset";
import { startControlPlanes, type ControlPlane } from "../test/harness/controlplane";
import { openStack, type OpResult, type TestStack } from "../test/harness/pulumi";
import { PULUMI_HOME } from "../test/harness/tools";
import { startCpuSampler } from "./cpu-sampler";
import { checkpointResources, renderStateTable, stateByType } from "./state-anatomy";

const SIZES = (process.env.LATTICE_BENCH_SIZES ?? "100,1000").split(",").map((s) => Number(s.trim()));
const EXTRAS = process.env.LATTICE_BENCH_EXTRAS === "1";
const CPU = process.env.LATTICE_BENCH_CPU === "1";
const FANOUT = 3;
/** Engine parallelism (`pulumi up --parallel`). Lattice's steps wait on I/O, so more steps in flight
 * than the CLI's default (4 per core) shorten the membership → policy/workload chain: a 100-service
 * no-op measured ~15–20 s at 8 or 32 and ~12.5–13 s at 64 or 256 on the 2-core test machine. */
const PARALLEL = Number(process.env.LATTICE_BENCH_PARALLEL ?? 64);
const TRUST_DOMAIN = "bench.test";

/** Service i calls i+1..i+FANOUT (mod n) and admits its FANOUT callers. `image` is service 0's image. */
export function meshYaml(n: number, image = "ghcr.io/example/svc:1.0.0"): string {
  const width = String(n - 1).length;
  const name = (i: number) => `svc-${String(((i % n) + n) % n).padStart(Math.max(3, width), "0")}`;
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
          main: {
            image: i === 0 ? image : "ghcr.io/example/svc:1.0.0",
            resources: { requests: { cpu: "50m", memory: "64Mi" } },
          },
        },
        service: { ports: { http: { port: 8080 } } },
        resources,
      },
    };
  });
  return docs.map((d) => stringify(d)).join("---\n");
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** Every object the engine run creates (compiled objects and declaration records), keyed. */
function objectsOf(text: string) {
  const loaded = loadDocuments([{ file: "mesh.yaml", text }]);
  const compiled = compileAll(loaded.docs, { trustDomain: TRUST_DOMAIN, defaultNamespace: "default" });
  if (loaded.errors.length || !compiled.ok) throw new Error("the benchmark mesh does not compile");
  const records = loaded.docs.map(({ doc }) => compileDeclarationRecord(doc as never, "mesh"));
  return keyObjects([...compiled.objects, ...records]);
}

/** The baseline: every object server-side applied in order, one request at a time. */
async function baseline(cp: ControlPlane, text: string): Promise<number> {
  const objects = objectsOf(text);
  const t0 = Date.now();
  for (const key of applyOrder(Object.keys(objects), objects))
    await cp.client.apply(objects[key]!, { fieldManager: "kubectl" });
  const ms = Date.now() - t0;
  log(`baseline: ${Object.keys(objects).length} objects in ${seconds(ms)} s`);
  return ms;
}

function stackConfig(cp: ControlPlane, dir: string) {
  return {
    "lattice:kubeconfig": { value: cp.kubeconfig, secret: true },
    "lattice:services": { value: dir },
    "lattice:trustDomain": { value: TRUST_DOMAIN },
    "lattice:awaitWorkloads": { value: "false" },
  };
}

/** The file backend's state file of a stack. */
function stateFile(stateDir: string, stackName: string): string {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e === `${stackName}.json`) found.push(p);
    }
  };
  walk(path.join(stateDir, ".pulumi", "stacks"));
  if (found.length !== 1) throw new Error(`expected one state file for stack ${stackName}, found ${found.length}`);
  return found[0]!;
}

async function timed(
  label: string,
  op: () => Promise<OpResult>,
): Promise<{ ms: number; res: OpResult; cpu?: Record<string, number> }> {
  const sampler = CPU ? startCpuSampler() : undefined;
  const t = Date.now();
  const res = await op();
  const ms = Date.now() - t;
  const cpu = sampler?.stop();
  log(`${label}: ${JSON.stringify(res.changes)} in ${seconds(ms)} s${cpu ? `; CPU s ${JSON.stringify(cpu)}` : ""}`);
  return { ms, res, ...(cpu ? { cpu } : {}) };
}

function expectNoop(res: OpResult, what: string): void {
  if (Object.keys(res.changes).some((k) => k !== "same"))
    throw new Error(`${what} was not a no-op: ${JSON.stringify(res.changes)}`);
}

/** One size: baseline, first up, no-op, one service changed, state size. */
async function runSize(n: number, first: boolean): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-deploy-"));
  const file = path.join(dir, "mesh.yaml");
  writeFileSync(file, meshYaml(n));
  const planes = await startControlPlanes(EXTRAS && first ? 3 : 2, { name: `bench${n}`, crds: ["cilium", "istio"] });
  const [base, engine, unchecked] = planes;
  let stack: TestStack | undefined;
  try {
    const baselineMs = await baseline(base!, readFileSync(file, "utf8"));
    stack = await openStack({ stackName: `bench${n}`, config: stackConfig(engine!, dir) });
    const up = await timed(`${n}: up`, () => stack!.up({ parallel: PARALLEL }));
    const noop = await timed(`${n}: no-op up`, () => stack!.up({ parallel: PARALLEL }));
    expectNoop(noop.res, "the second up");
    writeFileSync(file, meshYaml(n, "ghcr.io/example/svc:1.0.1"));
    const one = await timed(`${n}: up changing one service`, () => stack!.up({ parallel: PARALLEL }));
    const state = stateFile(stack.stateDir, `bench${n}`);
    const stateBytes = statSync(state).size;
    const shares = stateByType(checkpointResources(JSON.parse(readFileSync(state, "utf8"))));
    log(`${n}: state ${stateBytes} bytes (${Math.round(stateBytes / n)} per service)\n${renderStateTable(shares)}`);
    if (process.env.LATTICE_BENCH_KEEP_STATE) {
      mkdirSync(process.env.LATTICE_BENCH_KEEP_STATE, { recursive: true });
      copyFileSync(state, path.join(process.env.LATTICE_BENCH_KEEP_STATE, `bench${n}.json`));
    }
    const result: Record<string, unknown> = {
      services: n,
      up_s: seconds(up.ms),
      baseline_s: seconds(baselineMs),
      ratio: ratio(up.ms, baselineMs),
      noop_s: seconds(noop.ms),
      update_one_s: seconds(one.ms),
      update_one_changes: one.res.changes,
      state_bytes: stateBytes,
      state_bytes_per_service: Math.round(stateBytes / n),
      resources: shares.reduce((k, s) => k + s.count, 0),
      state_by_type: shares.map((s) => ({ type: s.type, count: s.count, bytes: s.total })),
      ...(CPU ? { cpu_up: up.cpu, cpu_noop: noop.cpu, cpu_update_one: one.cpu } : {}),
    };
    if (EXTRAS && first) Object.assign(result, await extras(engine!, unchecked!, dir, stack, baselineMs));
    return result;
  } finally {
    // No destroy: the control planes go, and with them everything the stacks created.
    await stack?.dispose();
    for (const p of planes) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same first `up` without per-step checkpoints (another control plane), and a no-op with
 * Pulumi's automatic log on: what the file backend's checkpoints and that log cost. */
async function extras(
  engine: ControlPlane,
  unchecked: ControlPlane,
  dir: string,
  stack: TestStack,
  baselineMs: number,
): Promise<Record<string, number>> {
  const home = mkdtempSync(path.join(os.tmpdir(), "lattice-bench-home-"));
  const quick = await openStack({
    stackName: "bench-unchecked",
    env: { PULUMI_SKIP_CHECKPOINTS: "true" },
    config: stackConfig(unchecked, dir),
  });
  try {
    symlinkSync(path.join(PULUMI_HOME, "plugins"), path.join(home, "plugins"));
    mkdirSync(path.join(home, "logs"));
    const logged = await openStack({
      stackName: stack.stack.name,
      stateDir: stack.stateDir,
      pulumiHome: home,
      config: stackConfig(engine, dir),
    });
    const autolog = await timed("no-op up with automatic logging", () => logged.up({ parallel: PARALLEL }));
    expectNoop(autolog.res, "the up with automatic logging");
    const up = await timed("up without checkpoints", () => quick.up({ parallel: PARALLEL }));
    const noop = await timed("no-op up without checkpoints", () => quick.up({ parallel: PARALLEL }));
    expectNoop(noop.res, "the second up without checkpoints");
    return {
      up_skip_checkpoints_s: seconds(up.ms),
      ratio_skip_checkpoints: ratio(up.ms, baselineMs),
      noop_skip_checkpoints_s: seconds(noop.ms),
      noop_autolog_s: seconds(autolog.ms),
    };
  } finally {
    await quick.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown>[] = [];
  for (const [i, n] of SIZES.entries()) results.push(await runSize(n, i === 0));
  const [head, ...rest] = results;
  const out: Record<string, unknown> = { ...head, parallel: PARALLEL };
  for (const r of rest) out[`services_${String(r.services)}`] = r;
  console.log(JSON.stringify(out));
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
