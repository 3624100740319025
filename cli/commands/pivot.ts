// `lattice pivot`: move the Cluster API objects of a namespace (or of one Cluster in it) from one
// management cluster to another, journaled in the source so that any interruption resumes: the
// same command run again continues where the last run stopped, and a completed pivot reports so.
import { existsSync } from "node:fs";
import { DEFAULT_NAMESPACE } from "../../agent/api/types";
import { formatPlan, formatRefusals } from "../../core/pivot";
import { KubeError } from "../../kube/client";
import { PivotKube } from "../../pivot/client";
import { DirectTarget } from "../../pivot/direct";
import { FAULT_ENV, MutationCounter, PivotCrash, parseFault } from "../../pivot/fault";
import { JournalStore } from "../../pivot/journal-store";
import { Mover, PivotFailed, PivotRefused } from "../../pivot/mover";
import { KubeSource } from "../../pivot/source";
import { CliError, parseFlags } from "../args";
import { processIO, type CommandIO } from "./common";

const HELP = `usage: lattice pivot --from-kubeconfig FILE --to-kubeconfig FILE --namespace NS [flags]

Moves the Cluster API objects of NS (every Cluster in it and what belongs to them, with
clusterctl move's discovery rules) into the same namespace of the target cluster: pause the source,
copy (paused), verify, fence the source, activate the target, delete the source. Every step is
recorded in a ClusterPivot journal in the source; run the same command again after any
interruption and it resumes. Refusals are reported before anything is written.

  --from-kubeconfig FILE   the source management cluster (holds the journal)
  --to-kubeconfig FILE     the target management cluster
  --namespace, -n NS       the namespace to move
  --cluster NAME           move only this Cluster and what belongs to it
  --dry-run                print the plan (objects in order) and any refusal; write nothing
  --abort                  roll back a pivot that has not been fenced yet (copies removed, source unpaused)
  --journal-namespace NS   where the journal lives in the source (${DEFAULT_NAMESPACE})
  --debug                  stack traces on errors

Exit status: 0 completed (or already completed), 1 failed (re-run to resume), 2 usage, 3 refused.
`;

/** Run `lattice pivot`. */
export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values: f } = parseFlags("pivot", argv, {
    "from-kubeconfig": { type: "string" },
    "to-kubeconfig": { type: "string" },
    namespace: { type: "string", short: "n" },
    cluster: { type: "string" },
    "dry-run": { type: "boolean" },
    abort: { type: "boolean" },
    "journal-namespace": { type: "string" },
    debug: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (f.help) {
    io.out(HELP);
    return 0;
  }
  const from = kubeconfigFlag("--from-kubeconfig", f["from-kubeconfig"]);
  const to = kubeconfigFlag("--to-kubeconfig", f["to-kubeconfig"]);
  if (!f.namespace) throw new CliError("pivot: --namespace is required");
  if (f["dry-run"] && f.abort) throw new CliError("pivot: --dry-run and --abort exclude each other");
  let counter: MutationCounter;
  try {
    counter = new MutationCounter(parseFault(process.env[FAULT_ENV]));
  } catch (e) {
    throw new CliError(`pivot: ${(e as Error).message}`);
  }
  const source = openKube("--from-kubeconfig", from, counter, "source");
  const target = openKube("--to-kubeconfig", to, counter, "target");
  const started = Date.now();
  const mover = new Mover({
    source: new KubeSource(source),
    target: new DirectTarget(target),
    journal: new JournalStore(source, f["journal-namespace"] ?? DEFAULT_NAMESPACE),
    namespace: f.namespace,
    ...(f.cluster ? { cluster: f.cluster } : {}),
    log: (line) => io.out(`${line}\n`),
  });
  try {
    if (f["dry-run"]) {
      const d = await mover.dryRun();
      if (d.journal)
        io.out(`a pivot of ${mover.name} is under way (phase ${d.journal.phase}, id ${d.journal.pivotId})\n`);
      if (!d.result.ok) {
        io.err(formatRefusals(d.result.refusals));
        return 3;
      }
      io.out(formatPlan(d.result.plan, d.result.left));
      if (d.targetRefusals.length) {
        io.err(formatRefusals(d.targetRefusals));
        return 3;
      }
      return 0;
    }
    const r = f.abort ? await mover.abort() : await mover.run();
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    const what =
      r.outcome === "aborted"
        ? "rolled back"
        : r.outcome === "already-completed"
          ? "was already completed"
          : `completed: ${r.objects} objects moved`;
    io.out(`pivot ${r.name} (${r.pivotId}) ${what} in ${secs} s; ${counter.count} writes\n`);
    return 0;
  } catch (e) {
    return report(e, io, !!f.debug);
  } finally {
    source.close();
    target.close();
  }
}

function openKube(flag: string, file: string, counter: MutationCounter, label: string): PivotKube {
  try {
    return PivotKube.open(file, counter, label);
  } catch (e) {
    throw new CliError(`pivot: ${flag} ${file}: ${(e as Error).message}`);
  }
}

function kubeconfigFlag(flag: string, value: string | undefined): string {
  if (!value) throw new CliError(`pivot: ${flag} FILE is required`);
  if (!existsSync(value)) throw new CliError(`pivot: ${flag} ${value}: no such file`);
  return value;
}

/** Expected errors in one or two lines; anything else with its stack under --debug. */
function report(e: unknown, io: CommandIO, debug: boolean): number {
  const stack = debug && e instanceof Error && e.stack ? `${e.stack}\n` : "";
  if (e instanceof PivotRefused) {
    io.err(formatRefusals(e.refusals) + "nothing was written for this run\n" + stack);
    return 3;
  }
  if (e instanceof PivotFailed || e instanceof PivotCrash) {
    io.err(
      `lattice pivot: ${e.message}\n${e instanceof PivotFailed ? "run the same command again to resume\n" : ""}${stack}`,
    );
    return 1;
  }
  if (e instanceof KubeError) {
    io.err(
      `lattice pivot: the API server answered ${e.status} ${e.reason}: ${e.message}\nrun the same command again to resume\n${stack}`,
    );
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  io.err(`lattice pivot: ${err?.message ?? String(e)}${debug ? "" : " (--debug for details)"}\n${stack}`);
  return 1;
}
