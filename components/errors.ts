// How components report a bad spec: every problem, each as `<where>: <field path>: <message>`,
// before any resource is registered. A RunError prints without a stack trace.
import * as pulumi from "@pulumi/pulumi";
import { formatSpecError, type SpecError } from "../core/spec";

/** The spec errors of a component's args or of YAML files; nothing was created. */
export class LatticeSpecError extends pulumi.RunError {
  constructor(
    readonly errors: readonly SpecError[],
    context: string,
  ) {
    super(
      `${context}: ${errors.length} problem${errors.length === 1 ? "" : "s"}, nothing was deployed:\n${errors.map((e) => "  " + formatSpecError(e)).join("\n")}`,
    );
    this.name = "LatticeSpecError";
  }
}
