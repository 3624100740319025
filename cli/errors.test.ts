// How bin/lattice prints what a command throws: expected failures as two lines (what and why, then
// the fix), errors of the Kubernetes client and of the network translated into those, anything
// else as one line pointing to --debug; stack traces only with --debug.
import { KubeError } from "../kube/client";
import { CliError, reportError, toCliError } from "./errors";
import { ApiUnreachable, BadDocuments } from "./failures";

function report(command: string, e: unknown, debug = false) {
  let out = "";
  const code = reportError(command, e, debug, (s) => (out += s));
  return { code, out };
}
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe("reportError", () => {
  it("prints an expected failure as what failed and the fix, exit 1, no stack", () => {
    const r = report(
      "up",
      new ApiUnreachable("https://127.0.0.1:1", "connection refused (nothing listens there)", { stack: "dev" }),
    );
    expect(r).toEqual({
      code: 1,
      out:
        "lattice up: the Kubernetes API server https://127.0.0.1:1 is unreachable: " +
        "connection refused (nothing listens there)\n" +
        "  fix: start the cluster or check its address in the kubeconfig (lattice:kubeconfig of stack dev); " +
        "then lattice doctor\n",
    });
  });

  it("keeps usage errors at exit 2 and does not repeat the command's name", () => {
    expect(report("render", new CliError("render: --output must be yaml or json, got png"))).toEqual({
      code: 2,
      out: "lattice render: --output must be yaml or json, got png\n",
    });
  });

  it("names a subcommand once: lattice agent bootstrap, not lattice agent: agent bootstrap", () => {
    expect(report("agent", new CliError("agent bootstrap: --cluster is required")).out).toBe(
      "lattice agent bootstrap: --cluster is required\n",
    );
    expect(report("agent", new CliError("agents are not a command")).out).toBe(
      "lattice agent: agents are not a command\n",
    );
  });

  it("prints the stack only with --debug, the cause's too", () => {
    const e = new CliError("the thing failed", { fix: "do this", cause: new Error("underneath") });
    expect(report("up", e).out).not.toMatch(STACK_LINE);
    const debug = report("up", e, true).out;
    expect(debug).toMatch(STACK_LINE);
    expect(debug).toContain("caused by: Error: underneath");
  });

  it("says an unexpected error is one, in one line, and where the stack trace is", () => {
    const r = report("graph", new TypeError("cannot read properties of undefined (reading 'x')\n    at somewhere"));
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      "lattice graph: unexpected error: cannot read properties of undefined (reading 'x')\n" +
        "  (a bug in lattice? run again with --debug for the stack trace, and report it)\n",
    );
    expect(report("graph", new TypeError("boom"), true).out).toMatch(STACK_LINE);
  });

  it("prints every problem of bad documents, one per line, then the fix", () => {
    const e = new BadDocuments(
      [
        { file: "svc/api.yaml", doc: 1, path: "spec.replicas", message: "expected an integer" },
        { file: "svc/web.yaml", doc: 2, path: "metadata.name", message: "expected a DNS label" },
      ] as never,
      "the Lattice YAML of stack dev (svc)",
      "correct them",
    );
    expect(report("up", e).out.split("\n")).toEqual([
      "lattice up: 2 problems in the Lattice YAML of stack dev (svc), nothing was deployed:",
      expect.stringMatching(/^ {2}svc\/api\.yaml#1: spec\.replicas: expected an integer$/),
      expect.stringMatching(/^ {2}svc\/web\.yaml#2: metadata\.name: expected a DNS label$/),
      "  fix: correct them",
      "",
    ]);
  });
});

describe("toCliError", () => {
  it("translates the API server refusing the credentials", () => {
    const e = toCliError(new KubeError(403, "Forbidden", 'namespaces is forbidden: User "bob" cannot list'));
    expect(e?.message).toBe(
      'the Kubernetes API server answered 403 Forbidden: namespaces is forbidden: User "bob" cannot list',
    );
    expect(e?.fix).toMatch(/kubectl auth can-i/);
  });

  it("translates a refused connection, naming the address", () => {
    const e = toCliError(
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
        code: "ECONNREFUSED",
        address: "127.0.0.1",
        port: 6443,
      }),
    );
    expect(e?.message).toBe("cannot reach 127.0.0.1:6443: connection refused (nothing listens there)");
  });

  it("leaves other errors alone (they are bugs)", () => {
    expect(toCliError(new RangeError("x"))).toBeUndefined();
  });
});
