// `lattice install -f cluster.yaml`: a self-managing cluster from one file (install/flow.ts). The
// state dir (default .lattice/install/<cluster>) holds the journal, the bootstrap's data and the
// provisioning stack; `--resume` goes on from the journal's phase, `--abort` removes an install that
// has not started pivoting.
import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import type { LatticeCluster as ClusterDocument } from "../../core/spec";
import { onPath } from "../engine";
import { abortInstall, InstallFailed, runInstall } from "../../install/flow";
import { Journal, readJournal } from "../../install/journal";
import type { MachineProviders } from "../../install/components";
import { BadDocuments } from "../failures";
import { CliError, parseFlags } from "../args";
import { loadInputs, processIO, type CommandIO } from "./common";

const HELP = `usage: lattice install -f cluster.yaml [flags]

Installs the cluster of cluster.yaml so that it manages itself: a bootstrap control plane
provisions it through Cluster API (the LatticeCluster component, root mode), the Cluster API
providers are installed into it, its Cluster API objects are pivoted into it, and the bootstrap
is stopped and deleted. Every phase is journaled in the state dir; after any interruption run the
same command with --resume.

  -f FILE                     the cluster (one LatticeCluster document)
  --bootstrap local|kind|kubeconfig=FILE
                              local (default): etcd, kube-apiserver, kube-controller-manager and the
                              Cluster API managers as local processes, data in the state dir
  --state-dir DIR             journal, bootstrap data, kubeconfig (default .lattice/install/<cluster>)
  --resume                    go on from where the last run stopped
  --abort                     before the pivot: delete the cluster through Cluster API, then the bootstrap
  --simulate-machines         machines are simulated by the test bed (no VMs here); also
                              LATTICE_SIMULATE_MACHINES=1. Needs the repository's test/harness.
  --timeout SECONDS           how long provisioning and deletion may take (default 1800)
  --debug                     stack traces on errors
`;

export const FLAGS = {
  file: { type: "string", short: "f" },
  bootstrap: { type: "string" },
  "state-dir": { type: "string" },
  resume: { type: "boolean" },
  abort: { type: "boolean" },
  "simulate-machines": { type: "boolean" },
  timeout: { type: "string" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The one LatticeCluster of -f, validated (errors name file, document and field). */
export function loadCluster(command: string, file: string | undefined): { doc: ClusterDocument; file: string } {
  if (!file) throw new CliError(`${command}: -f cluster.yaml is required`);
  if (!existsSync(file)) throw new CliError(`${command}: -f ${file}: no such file`);
  const { docs, errors } = loadInputs(command, [file]);
  if (errors.length) throw new BadDocuments(errors, file, `correct ${file} and run the same command again`);
  const clusters = docs.filter((d) => d.doc.kind === "LatticeCluster");
  if (clusters.length !== 1)
    throw new CliError(`${command}: ${file} must hold exactly one LatticeCluster document (found ${clusters.length})`, {
      fix: "one cluster per file",
    });
  return { doc: clusters[0]!.doc as ClusterDocument, file: path.resolve(file) };
}

/** The bootstrap source: only `local` runs here; the others are refused with the reason. */
export function checkBootstrap(command: string, value: string | undefined): "local" {
  const v = value ?? "local";
  if (v === "local") return "local";
  if (v === "kind") {
    const missing = ["docker", "kind"].filter((b) => !onPath(b));
    throw new CliError(
      missing.length
        ? `${command}: --bootstrap kind needs docker and kind on PATH; not found: ${missing.join(", ")}`
        : `${command}: --bootstrap kind is not implemented in this build`,
      { fix: "use --bootstrap local (the default): it needs no docker" },
    );
  }
  if (v.startsWith("kubeconfig="))
    throw new CliError(`${command}: --bootstrap kubeconfig=FILE is not implemented in this build`, {
      fix: "use --bootstrap local (the default)",
    });
  throw new CliError(`${command}: --bootstrap must be local, kind or kubeconfig=FILE (got ${JSON.stringify(v)})`);
}

/** The machine providers: on this build only the test bed's simulated ones, and only when asked. */
export function machineProviders(command: string, simulate: boolean, stateDir: string): MachineProviders {
  const asked = simulate || process.env.LATTICE_SIMULATE_MACHINES === "1";
  if (!asked)
    throw new CliError(
      `${command}: no machine provider can run here: this build drives machines only through the test bed's simulator`,
      { fix: `add --simulate-machines (machines are then simulated, and said so)` },
    );
  const sim = path.resolve(__dirname, "..", "..", "test", "harness", "sim-machines.ts");
  if (!existsSync(sim))
    throw new CliError(`${command}: --simulate-machines needs the repository's test bed (${sim} is missing)`);
  return (require(sim) as { simulatedMachines: (d: string) => MachineProviders }).simulatedMachines(stateDir);
}

export function resumeCommand(command: string, file: string, stateDir: string, simulate: boolean): string {
  const rel = (p: string) => (path.relative(process.cwd(), p).startsWith("..") ? p : path.relative(process.cwd(), p));
  return `bin/lattice ${command} -f ${rel(file)} --state-dir ${rel(stateDir)}${simulate ? " --simulate-machines" : ""} --resume`;
}

/** Run `lattice install`. */
export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values: f } = parseFlags("install", argv, FLAGS);
  if (f.help) {
    io.out(HELP);
    return 0;
  }
  if (f.resume && f.abort) throw new CliError("install: --resume and --abort exclude each other");
  checkBootstrap("install", f.bootstrap);
  const { doc, file } = loadCluster("install", f.file);
  const cluster = doc.metadata.name;
  const namespace = doc.metadata.namespace ?? "default";
  const stateDir = path.resolve(f["state-dir"] ?? path.join(".lattice", "install", cluster));
  const timeoutSeconds = f.timeout ? Number(f.timeout) : 1800;
  if (!(timeoutSeconds > 0)) throw new CliError(`install: --timeout must be a positive number of seconds`);
  const machines = machineProviders("install", !!f["simulate-machines"], stateDir);
  const simulate = true;
  const resume = resumeCommand("install", file, stateDir, simulate);
  const last = readJournal(stateDir);
  // A finished uninstall or abort leaves its journal: a new install starts afresh.
  const finished = last && last.operation !== "install" && ["Completed", "Aborted"].includes(last.phase);
  const prior = finished ? undefined : last;
  if (prior && prior.operation !== "install" && !(f.abort && prior.operation === "abort"))
    throw new CliError(`install: ${stateDir} holds a ${prior.operation} (phase ${prior.phase}), not an install`);
  if (prior?.phase === "Completed") {
    io.out(`${namespace}/${cluster} is already installed; kubeconfig: ${prior.kubeconfig}\n`);
    return 0;
  }
  if (prior && !f.resume && !f.abort)
    throw new CliError(`install: an install of ${cluster} is under way in ${stateDir} (phase ${prior.phase})`, {
      fix: `${resume}   (or --abort instead of --resume)`,
    });
  if (!prior && (f.resume || f.abort))
    throw new CliError(`install: nothing to ${f.resume ? "resume" : "abort"}: no journal in ${stateDir}`);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const journal = new Journal(
    stateDir,
    prior ?? {
      operation: "install",
      cluster,
      namespace,
      file,
      bootstrap: "local",
      simulateMachines: simulate,
      phase: "",
      startedAt: new Date().toISOString(),
      history: [],
    },
  );
  const out = (line: string) => io.out(`${line}\n`);
  out(machines.notice);
  const opts = { stateDir, cluster, namespace, machines, journal, timeoutSeconds, out };
  if (f.abort) {
    await abortInstall(opts).catch((e: Error) => {
      throw new CliError(`install --abort: ${e.message}`, { fix: resume.replace("--resume", "--abort"), cause: e });
    });
    return 0;
  }
  out(`if interrupted, resume with: ${resume}`);
  try {
    await runInstall({ ...opts, spec: doc.spec });
    return 0;
  } catch (e) {
    const phase = e instanceof InstallFailed ? e.phase : "?";
    const cause = e instanceof InstallFailed ? e.cause : e;
    throw new CliError(
      `install failed in phase ${phase}: ${(cause as Error)?.message ?? String(cause)}\nnothing was deleted; the bootstrap and its data are kept in ${stateDir}`,
      {
        fix: `${resume}${phase === "Pivoting" || phase === "StoppingBootstrap" ? "" : `   (or ${resume.replace("--resume", "--abort")})`}`,
        cause,
      },
    );
  }
}
