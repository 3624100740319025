// The mover's errors: what the run loop, the ports and the CLI tell apart. PivotCrash (the test
// fault) lives in ./fault.ts and is none of these: nothing catches it.
import type { Refusal } from "../core/pivot/model";

/** The pivot will not start or continue: each refusal names its objects. Nothing was written for it. */
export class PivotRefused extends Error {
  constructor(readonly refusals: readonly Refusal[]) {
    super(refusals.map((r) => r.message).join("\n"));
    this.name = "PivotRefused";
  }
}

/** The pivot stopped on something a person must look at (the journal keeps its phase; re-run resumes). */
export class PivotFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PivotFailed";
  }
}

/** An object of the target with a planned identity that this pivot did not create. */
export class CopyConflict extends Error {
  constructor(readonly objects: string[]) {
    super(
      `the target already holds objects of the same name that this pivot did not create: ${objects.join(", ")}; ` +
        `delete them there, or roll back with --abort`,
    );
    this.name = "CopyConflict";
  }
}

/** The source no longer matches the frozen plan: the plan is frozen again (before the fence only). */
export class SourceChanged extends Error {
  constructor(readonly objects: string[]) {
    super(objects.slice(0, 10).join(", ") + (objects.length > 10 ? `, … (${objects.length})` : ""));
    this.name = "SourceChanged";
  }
}

/** A copy that does not verify after three rounds. */
export class VerificationFailed extends Error {
  constructor(readonly problems: string[]) {
    super(`the copies do not verify: ${problems.slice(0, 10).join("; ")}`);
    this.name = "VerificationFailed";
  }
}

/** A Cluster or ClusterClass another actor paused: the pivot stops rather than take it over. */
export class PausedBySomeoneElse extends Error {
  constructor(readonly objects: string[]) {
    super(`paused by someone else (a pivot never unpauses what it did not pause): ${objects.join(", ")}`);
    this.name = "PausedBySomeoneElse";
  }
}

/** A source Cluster already fenced: it must never be unpaused again. */
export class FencedError extends Error {
  constructor(readonly objects: string[]) {
    super(`fenced (pivoted to another cluster; only forward from here): ${objects.join(", ")}`);
    this.name = "FencedError";
  }
}
