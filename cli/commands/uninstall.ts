// `lattice uninstall -f cluster.yaml`: reverse pivot into a bootstrap, stop Lattice in the cluster,
// delete the cluster through Cluster API, remove the bootstrap (install/uninstall.ts). Resumable
// with --resume; nothing is deleted on a failure.
import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { InstallFailed, kubeconfigFile } from "../../install/flow";
import { Journal, readJournal } from "../../install/journal";
import { runUninstall } from "../../install/uninstall";
import { CliError, parseFlags } from "../args";
import { processIO, type CommandIO } from "./common";
import { FLAGS, checkBootstrap, loadCluster, machineProviders, resumeCommand } from "./install";

const HELP = `usage: lattice uninstall -f cluster.yaml [flags]

Removes a cluster lattice install made: a local bootstrap again, the cluster's Cluster API objects
pivoted back into it, the providers in the cluster stopped, the Cluster deleted through Cluster
API until its machines are gone, then the bootstrap removed. Journaled in the state dir; after any
interruption run the same command with --resume.

  -f FILE                the cluster (one LatticeCluster document)
  --kubeconfig FILE      the cluster's admin kubeconfig (default: the one install wrote in the state dir)
  --state-dir DIR        (default .lattice/install/<cluster>)
  --resume               go on from where the last run stopped
  --simulate-machines    machines are simulated by the test bed (as at install)
  --timeout SECONDS      how long deletion may take (default 1800)
  --debug                stack traces on errors
`;

/** Run `lattice uninstall`. */
export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values: f } = parseFlags("uninstall", argv, { ...FLAGS, kubeconfig: { type: "string" } });
  if (f.help) {
    io.out(HELP);
    return 0;
  }
  if (f.abort) throw new CliError("uninstall: --abort is for install; an uninstall resumes (--resume)");
  checkBootstrap("uninstall", f.bootstrap);
  const { doc, file } = loadCluster("uninstall", f.file);
  const cluster = doc.metadata.name;
  const namespace = doc.metadata.namespace ?? "default";
  const stateDir = path.resolve(f["state-dir"] ?? path.join(".lattice", "install", cluster));
  const timeoutSeconds = f.timeout ? Number(f.timeout) : 1800;
  if (!(timeoutSeconds > 0)) throw new CliError("uninstall: --timeout must be a positive number of seconds");
  const kubeconfig = path.resolve(f.kubeconfig ?? kubeconfigFile(stateDir, cluster));
  if (!existsSync(kubeconfig))
    throw new CliError(`uninstall: no kubeconfig for ${cluster} at ${kubeconfig}`, { fix: "pass --kubeconfig FILE" });
  const machines = machineProviders("uninstall", !!f["simulate-machines"], stateDir);
  const resume = resumeCommand("uninstall", file, stateDir, true);
  const prior = readJournal(stateDir);
  if (prior?.operation === "install" && prior.phase !== "Completed")
    throw new CliError(`uninstall: an install of ${cluster} is under way in ${stateDir} (phase ${prior.phase})`, {
      fix: "finish it (lattice install --resume) or abort it (lattice install --abort)",
    });
  const underway = prior?.operation === "uninstall" && prior.phase !== "Completed" ? prior : undefined;
  if (underway && !f.resume)
    throw new CliError(`uninstall: an uninstall of ${cluster} is under way in ${stateDir} (phase ${underway.phase})`, {
      fix: resume,
    });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const journal = new Journal(
    stateDir,
    underway ?? {
      operation: "uninstall",
      cluster,
      namespace,
      file,
      bootstrap: "local",
      simulateMachines: true,
      phase: "",
      startedAt: new Date().toISOString(),
      history: [],
      kubeconfig,
    },
  );
  const out = (line: string) => io.out(`${line}\n`);
  out(machines.notice);
  out(`if interrupted, resume with: ${resume}`);
  try {
    await runUninstall({ stateDir, cluster, namespace, kubeconfig, machines, journal, timeoutSeconds, out });
    return 0;
  } catch (e) {
    const phase = e instanceof InstallFailed ? e.phase : "?";
    const cause = e instanceof InstallFailed ? e.cause : e;
    throw new CliError(
      `uninstall failed in phase ${phase}: ${(cause as Error)?.message ?? String(cause)}\nnothing was deleted; the bootstrap and its data are kept in ${stateDir}`,
      { fix: resume, cause },
    );
  }
}
