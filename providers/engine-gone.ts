// A dynamic-provider process outlives an engine that was killed (kill -9 of `pulumi up`, or of
// `lattice install` and its process group): the engine starts plugins in their own process group,
// and nothing tells them. Their stdout and stderr are pipes to that engine. Once those break, the
// first write fails with EPIPE, and Pulumi's own handler of uncaught errors writes each error to
// stderr, which fails again: a loop that held 86% of a core and 4 GB in a CI run, until killed.
// Such a process can serve no one, so it ends at the first error on either stream.

let installed = false;

/** In the dynamic-provider process: exit as soon as stdout or stderr fails (the engine is gone). */
export function exitWhenEngineGone(exit: (code: number) => void = (code) => process.exit(code)): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => exit(1));
}
