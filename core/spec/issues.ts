// zod issues → SpecErrors: one message per problem, written for a person editing YAML
// ("expected "inbound" | "outbound", got "in"") rather than zod's defaults.
import type { z } from "zod";
import { describeValue, formatPath, type SourceRef, type SpecError } from "./errors";

type Issue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "a map",
  record: "a map",
  array: "a list",
  null: "null",
};

function typeName(t: string): string {
  return TYPE_NAMES[t] ?? t;
}

function expectedValues(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(" | ");
}

function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function got(input: unknown): string {
  return input === undefined ? "" : `, got ${describeValue(input)}`;
}

function sizeOf(input: unknown): string {
  if (typeof input === "string") return `${input.length} characters`;
  if (Array.isArray(input)) return `${input.length} items`;
  return describeValue(input);
}

function bound(issue: Extract<Issue, { code: "too_big" | "too_small" }>): string {
  const big = issue.code === "too_big";
  const limit = big ? issue.maximum : issue.minimum;
  const word = issue.inclusive === false ? (big ? "less than" : "more than") : big ? "at most" : "at least";
  switch (issue.origin) {
    case "string":
      return `expected ${word} ${limit} characters, got ${sizeOf(issue.input)}`;
    case "array":
    case "set":
      return `expected ${word} ${limit} items, got ${sizeOf(issue.input)}`;
    default:
      return `expected ${word} ${limit}${got(issue.input)}`;
  }
}

/** The message of one issue, and any sub-issues to report instead (unions). */
function describe(
  issue: Issue,
  base: readonly PropertyKey[],
  out: Array<{ path: PropertyKey[]; message: string }>,
): void {
  const path = [...base, ...issue.path];
  const push = (message: string, p: PropertyKey[] = path) => out.push({ path: p, message });
  switch (issue.code) {
    case "invalid_type": {
      // A schema may say what it expects better than the type name ("an integer", "quote it").
      const expected = issue.message.startsWith("Invalid input")
        ? `expected ${typeName(issue.expected)}`
        : issue.message;
      if (issue.input === undefined) push(`missing required field (${expected})`);
      else push(`${expected}${got(issue.input)}`);
      return;
    }
    case "invalid_value":
      if (issue.input === undefined) push(`missing required field (expected ${expectedValues(issue.values)})`);
      else push(`expected ${expectedValues(issue.values)}${got(issue.input)}`);
      return;
    case "invalid_format":
      push(`${issue.message}${got(issue.input)}`);
      return;
    case "too_big":
    case "too_small":
      push(bound(issue));
      return;
    case "unrecognized_keys":
      for (const k of issue.keys) push("unknown field", [...path, k]);
      return;
    case "invalid_key": {
      // The key is in the path already; say what a key must look like.
      const first = issue.issues[0];
      const why =
        first?.code === "too_big"
          ? `expected at most ${first.maximum} characters`
          : first?.code === "invalid_format" || first?.code === "custom"
            ? first.message
            : "invalid";
      push(`invalid key: ${why}`);
      return;
    }
    case "invalid_union": {
      const disc = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (disc !== undefined && options) {
        // zod already points the path at the discriminator field; the input is the enclosing map.
        const input = issue.input;
        const value =
          input !== null && typeof input === "object" ? (input as Record<string, unknown>)[disc] : undefined;
        if (input === null || typeof input !== "object" || Array.isArray(input))
          push(`expected a map${got(input)}`, path.slice(0, -1));
        else if (value === undefined) push(`missing required field (expected ${expectedValues(options)})`);
        else push(`expected ${expectedValues(options)}${got(value)}`);
        return;
      }
      // A union of shapes (a list or a map; a string or a number): report the branch whose type
      // matched the input, or name all the accepted types when none did.
      const branches = issue.errors.filter(
        (errs) => !errs.some((e) => e.path.length === 0 && (e.code === "invalid_type" || e.code === "invalid_value")),
      );
      if (branches.length >= 1) {
        for (const e of branches[0] ?? []) describe(e, path, out);
        return;
      }
      const types = issue.errors
        .flatMap((errs) => errs.filter((e) => e.path.length === 0))
        .map((e) =>
          e.code === "invalid_type"
            ? typeName(e.expected)
            : e.code === "invalid_value"
              ? expectedValues(e.values)
              : "?",
        );
      push(`expected ${oneOf([...new Set(types)])}${got(issue.input)}`);
      return;
    }
    case "custom": {
      // A refinement of one value (an address, an endpoint) shows the value unless it already does.
      const input = issue.input;
      const scalar = input !== undefined && (input === null || typeof input !== "object");
      push(scalar && !issue.message.includes(", got ") ? `${issue.message}${got(input)}` : issue.message);
      return;
    }
    default:
      push(`${issue.message}${got(issue.input)}`);
  }
}

/** Turn zod issues into SpecErrors for one document, keeping the first problem reported per field. */
export function issuesToErrors(issues: readonly Issue[], where: SourceRef): SpecError[] {
  const raw: Array<{ path: PropertyKey[]; message: string }> = [];
  for (const issue of issues) describe(issue, [], raw);
  const seen = new Set<string>();
  const out: SpecError[] = [];
  for (const r of raw) {
    const path = formatPath(r.path);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ file: where.file, doc: where.doc, path, message: r.message });
  }
  return out;
}
