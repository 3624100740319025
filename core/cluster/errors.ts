// Errors of the cluster compiler. Documents are validated before they reach it (core/spec), so
// these mean a caller passed an unvalidated document or a case the compiler does not know: they
// name the field, and they are thrown, never returned.

/** A LatticeCluster the compiler cannot turn into manifests; `path` is the field (spec.…). */
export class ClusterCompileError extends Error {
  constructor(
    readonly cluster: string,
    readonly path: string,
    reason: string,
  ) {
    super(`LatticeCluster ${cluster}: ${path}: ${reason}`);
    this.name = "ClusterCompileError";
  }
}

/** The end of every switch over a union: a new member is a type error here until it is handled. */
export function unhandled(cluster: string, path: string, value: never): never {
  throw new ClusterCompileError(
    cluster,
    path,
    `unsupported value ${JSON.stringify(value)}: validate the document first`,
  );
}

/** Unusable ClusterCompileOptions: the caller's mistake, naming the option. */
export class ClusterOptionsError extends Error {
  constructor(reason: string) {
    super(`cluster compile options: ${reason}`);
    this.name = "ClusterOptionsError";
  }
}
