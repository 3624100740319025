// The checks `lattice doctor` reports and `preview`/`up`/`destroy` run before the engine starts:
// one function each, in the order a working setup is built (Node, engine, plugins, stack,
// kubeconfig, API server, CRDs, documents, cell). A check returns ok, fail (with the typed error
// that says how to fix it) or skip (when what it needs failed or does not apply). doctor prints
// every result; the stack commands throw the first failure, so the engine starts only when the
// cluster and the documents are usable.
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, StackNotFoundError, type Stack } from "@pulumi/pulumi/automation";
import { compileAll, EMITTED_KINDS } from "../core/compile";
import { loadDocuments, type SourcedDocument } from "../core/spec";
import { loadTarget, probeApi, probeCell, unservedKinds, type Target } from "./cluster";
import { CliError } from "./errors";
import {
  configuredBackend,
  describeEngine,
  findEngine,
  KUBERNETES_PLUGIN_VERSION,
  onPath,
  projectToolsDir,
  requirePlugins,
  type Engine,
} from "./engine";
import { BadDocuments, CrdsMissing, EngineMissing, originText, StackMissing } from "./failures";
import { collectYamlFiles, readYamlSources } from "./files";
import { translateEngineError } from "./engine-errors";

/** The oldest Node Lattice supports (package.json engines). */
const MIN_NODE = 22;

export type CheckStatus = "ok" | "fail" | "skip";
export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly error?: CliError;
}

/** What the checks found so far; later checks build on it. */
export interface CheckContext {
  /** The Pulumi project (directory of Pulumi.yaml). */
  readonly workDir: string;
  readonly stackName?: string;
  /** A kubeconfig given outright (doctor --kubeconfig), used when there is no stack. */
  readonly kubeconfig?: { value: string; origin: { flag: string } };
  engine?: Engine;
  pulumiCommand?: PulumiCommand;
  /** The backend, and whether it is the project's default (nothing else configured). */
  backend?: { url: string; projectDefault: boolean };
  stack?: Stack;
  config?: Record<string, string>;
  target?: Target;
  /** The API server answered and accepted the credentials. */
  apiReachable?: boolean;
  documents?: { docs: SourcedDocument[]; kinds: string[]; clusters: number; paths: string[] };
}

const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail });
const skip = (name: string, detail: string): CheckResult => ({ name, status: "skip", detail });
const fail = (name: string, error: CliError): CheckResult => ({ name, status: "fail", detail: error.message, error });

/** Run a check; an expected failure it throws becomes its result. */
async function guarded(name: string, f: () => Promise<CheckResult>, stack?: string): Promise<CheckResult> {
  try {
    return await f();
  } catch (e) {
    const known = e instanceof CliError ? e : translateEngineError(e, stack);
    if (known) return fail(name, known);
    throw e;
  }
}

export function checkNode(): Promise<CheckResult> {
  const major = Number(process.versions.node.split(".")[0]);
  return Promise.resolve(
    major >= MIN_NODE
      ? ok("node", `v${process.versions.node} (Lattice needs ≥ ${MIN_NODE})`)
      : fail(
          "node",
          new CliError(`Node v${process.versions.node} is older than ${MIN_NODE}`, {
            fix: "npm ci (installs the project's Node 26)",
          }),
        ),
  );
}

export function checkEngine(ctx: CheckContext): Promise<CheckResult> {
  return guarded("engine", async () => {
    const engine = findEngine();
    if (!engine) throw new EngineMissing(path.join(projectToolsDir(), "bin", "pulumi"));
    ctx.engine = engine;
    ctx.pulumiCommand = await PulumiCommand.get({
      ...(engine.source === "project" ? { root: path.dirname(path.dirname(engine.pulumi)) } : {}),
      skipVersionCheck: true,
    });
    // The language host runs the program: the engine looks next to itself, then on PATH.
    const beside = path.join(path.dirname(realpathSync(engine.pulumi)), "pulumi-language-nodejs");
    if (!existsSync(beside) && !onPath("pulumi-language-nodejs", { PATH: engine.env.PATH }))
      throw new CliError(
        `the engine has no nodejs language host: no pulumi-language-nodejs beside ${engine.pulumi} or on PATH`,
        {
          fix: "install Pulumi completely (its language hosts come with it), or tools/build for the project's engine",
        },
      );
    return ok("engine", describeEngine(engine, ctx.pulumiCommand.version?.toString()).replace(/^using /, ""));
  });
}

export function checkPlugins(ctx: CheckContext): Promise<CheckResult> {
  if (!ctx.engine) return Promise.resolve(skip("plugins", "needs an engine"));
  const engine = ctx.engine;
  return guarded("plugins", async () => {
    requirePlugins(engine);
    const home = path.relative(process.cwd(), engine.home);
    return ok(
      "plugins",
      `kubernetes v${KUBERNETES_PLUGIN_VERSION} in ${home && !home.startsWith("..") ? home : engine.home}`,
    );
  });
}

/** Select the stack; with `create`, a missing stack is created (and said so through `note`). */
export function checkStack(ctx: CheckContext, create: boolean, note: (s: string) => void): Promise<CheckResult> {
  const name = ctx.stackName;
  if (!name) return Promise.resolve(skip("stack", "no --stack given"));
  if (!ctx.engine || !ctx.pulumiCommand) return Promise.resolve(skip("stack", "needs an engine"));
  const engine = ctx.engine;
  const pulumiCommand = ctx.pulumiCommand;
  return guarded(
    "stack",
    async () => {
      // A stack belongs to a project; without one the engine's own error is about qualified names.
      if (!existsSync(path.join(ctx.workDir, "Pulumi.yaml")))
        throw new CliError(`no Pulumi.yaml in ${ctx.workDir} or above: stack ${name} belongs to a Lattice project`, {
          fix: "run it in the project's directory, or pass --cwd DIR",
        });
      const configured = configuredBackend(engine);
      const url = configured ?? `file://${path.join(ctx.workDir, ".lattice", "state")}`;
      ctx.backend = { url, projectDefault: !configured };
      const opts = {
        pulumiCommand,
        envVars: { ...engine.env, ...(configured ? {} : { PULUMI_BACKEND_URL: url }) },
        ...(engine.env.PULUMI_HOME ? { pulumiHome: engine.env.PULUMI_HOME } : {}),
      };
      if (!configured) {
        mkdirSync(path.join(ctx.workDir, ".lattice", "state"), { recursive: true });
      }
      try {
        ctx.stack = await LocalWorkspace.selectStack({ stackName: name, workDir: ctx.workDir }, opts);
      } catch (e) {
        if (!(e instanceof StackNotFoundError)) throw e;
        if (!create) throw new StackMissing(name, url);
        ctx.stack = await LocalWorkspace.createStack({ stackName: name, workDir: ctx.workDir }, opts);
        note(
          `stack ${name} did not exist: created it in ${url}, ` +
            `with the settings of Pulumi.${name}.yaml (if any) and the project's defaults`,
        );
      }
      const all = await ctx.stack.getAllConfig();
      ctx.config = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]));
      return ok("stack", `${name} in ${url}${ctx.backend.projectDefault ? " (the project's local state)" : ""}`);
    },
    name,
  );
}

export function checkKubeconfig(ctx: CheckContext): Promise<CheckResult> {
  return guarded("kubeconfig", async () => {
    if (ctx.stackName && ctx.config) {
      const value = ctx.config["lattice:kubeconfig"];
      const local =
        value &&
        !value.includes("\n") &&
        path.resolve(ctx.workDir, value).startsWith(path.join(ctx.workDir, ".lattice"));
      ctx.target = loadTarget(
        value,
        { stack: ctx.stackName },
        ctx.workDir,
        local ? "start the local cluster: make demo ARGS=--keep" : undefined,
      );
    } else if (ctx.kubeconfig) {
      ctx.target = loadTarget(ctx.kubeconfig.value, ctx.kubeconfig.origin, process.cwd());
    } else if (ctx.stackName) {
      return skip("kubeconfig", "needs the stack");
    } else {
      throw new CliError("no cluster to check: no --stack, --kubeconfig or KUBECONFIG", {
        fix: "lattice doctor --stack ENV (its lattice:kubeconfig), or lattice doctor --kubeconfig PATH",
      });
    }
    return ok("kubeconfig", `${ctx.target.source} (${originText(ctx.target.origin)})`);
  });
}

export function checkApi(ctx: CheckContext): Promise<CheckResult> {
  const t = ctx.target;
  if (!t) return Promise.resolve(skip("api server", "needs a kubeconfig"));
  return guarded("api server", async () => {
    const version = await probeApi(t);
    ctx.apiReachable = true;
    return ok("api server", `${version} at ${t.server}`);
  });
}

/** The stack's documents: every one validates, and what they render (for the CRD check). */
export function checkDocuments(ctx: CheckContext): Promise<CheckResult> {
  const setting = ctx.config?.["lattice:services"];
  if (!ctx.config || setting === undefined)
    return Promise.resolve(skip("documents", "no lattice:services in the stack"));
  return guarded("documents", async () => {
    const paths = setting
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const render = `lattice render -f ${paths.join(" -f ")}`;
    const fix = `correct the documents, then run the command again ('${render}' checks them offline)`;
    let sources;
    try {
      sources = readYamlSources(collectYamlFiles(paths.map((p) => path.resolve(ctx.workDir, p))), ctx.workDir);
    } catch (e) {
      throw new CliError(`lattice:services of stack ${ctx.stackName}: ${(e as Error).message}`, {
        fix: `pulumi config set lattice:services DIR[,DIR...] --stack ${ctx.stackName}`,
      });
    }
    const where = `the Lattice YAML of stack ${ctx.stackName} (${paths.join(", ")})`;
    const loaded = loadDocuments(sources);
    if (loaded.errors.length) throw new BadDocuments(loaded.errors, where, fix);
    const compiled = compileAll(loaded.docs, {
      trustDomain: ctx.config?.["lattice:trustDomain"] ?? "cluster.local",
      defaultNamespace: "default",
    });
    if (!compiled.ok) throw new BadDocuments(compiled.errors, where, fix);
    const kinds = [...new Set(compiled.objects.map((o) => `${o.apiVersion}/${o.kind}`))].sort();
    const clusters = loaded.docs.filter((d) => d.doc.kind === "LatticeCluster").length;
    ctx.documents = { docs: loaded.docs, kinds, clusters, paths };
    return ok("documents", `${loaded.docs.length} documents in ${paths.join(", ")}`);
  });
}

/** Custom kinds (not core or apps) the cluster must serve: what the documents render, else every kind. */
export function checkCrds(ctx: CheckContext): Promise<CheckResult> {
  const t = ctx.apiReachable ? ctx.target : undefined;
  if (!t) return Promise.resolve(skip("crds", "needs a reachable API server"));
  const kinds = (ctx.documents?.kinds ?? EMITTED_KINDS).filter((k) => /^[a-z0-9-]+\.[a-z0-9.-]+\//.test(k));
  return guarded("crds", async () => {
    const missing = await unservedKinds(t.client, kinds);
    if (missing.length) throw new CrdsMissing(t.server, missing);
    const groups = [...new Set(kinds.map((k) => k.slice(0, k.lastIndexOf("/"))))];
    return ok("crds", `served: ${groups.join(", ")}`);
  });
}

export function checkCell(ctx: CheckContext): Promise<CheckResult> {
  const t = ctx.apiReachable ? ctx.target : undefined;
  if (!ctx.documents?.clusters) return Promise.resolve(skip("cell", "no LatticeCluster declared"));
  if (!t) return Promise.resolve(skip("cell", "needs a reachable API server"));
  return guarded("cell", async () => {
    const r = await probeCell(t.client);
    if (!r.ok) throw new CliError(r.detail, { fix: r.fix! });
    return ok("cell", r.detail);
  });
}
