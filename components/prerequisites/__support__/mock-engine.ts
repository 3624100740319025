// Test support: run component code under Pulumi's own unit-test mocks (pulumi.runtime.setMocks) and
// record what the ENGINE would receive for every registration — the RegisterResourceRequest as the
// SDK serialized it: type, name, parent, the dependency URNs (explicit dependsOn and input
// dependencies, what the engine orders creation and deletion by), additionalSecretOutputs, and the
// inputs with their secret markers intact. Like the engine, it marks additionalSecretOutputs secret
// in the returned state. No plugin runs: this checks the component's wiring, not the cloud.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** The SDK's own wait for outstanding registrations (internal to it, hence untyped). */
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

/** One registration as the engine would see it. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  /** URNs this resource depends on (the engine creates it after them and deletes it before them). */
  dependencies: string[];
  additionalSecretOutputs: string[];
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Dotted paths of the inputs that were sent as secrets. */
  secretPaths: string[];
  /** Every string sent in the clear (not under a secret marker), anywhere in the inputs. */
  plainStrings: string[];
}

/** A component's registered outputs, like a registration's inputs. */
export interface OutputRegistration {
  urn: string;
  secretPaths: string[];
  plainStrings: string[];
  values: Record<string, unknown>;
}

export interface MockRun {
  registrations: Registration[];
  outputs: OutputRegistration[];
  calls: { token: string; inputs: Record<string, unknown> }[];
  byName(name: string): Registration;
}

type Struct = Record<string, unknown>;

function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Struct)[specialSigKey] === specialSecretSig;
}

/** Walk a serialized value: secret paths, plain strings, and the value with secrets unwrapped. */
function walk(v: unknown, path: string, secret: string[], plain: string[], inSecret: boolean): unknown {
  if (isSecret(v)) {
    secret.push(path);
    return walk(v.value, path, secret, plain, true);
  }
  if (typeof v === "string") {
    if (!inSecret) plain.push(v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`, secret, plain, inSecret));
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(
      Object.entries(v as Struct).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k, secret, plain, inSecret)]),
    );
  return v;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getObject(): { toJavaScript(): Struct } | undefined;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Struct } | undefined;
}
interface Monitor {
  registerResource(
    req: RegisterRequest,
    cb: (err: unknown, resp: { getUrn(): string } | undefined) => void,
  ): Promise<void>;
  registerResourceOutputs(req: OutputsRequest, cb: (err: unknown, resp: unknown) => void): void;
}

/** Outputs of a mocked resource: its inputs plus what `state` adds for its type. */
export type StateOf = (type: string, name: string, inputs: Struct) => Struct;

/**
 * Run `program` under mocks and wait until every registration is done. `state` adds outputs per
 * type (ids, generated secrets); `call` answers invokes (lookups) by token.
 */
export async function runWithMocks(
  program: () => void,
  opts: { state?: StateOf; call?: (token: string, inputs: Struct) => Struct } = {},
): Promise<MockRun> {
  const registrations: Registration[] = [];
  const outputs: OutputRegistration[] = [];
  const calls: MockRun["calls"] = [];
  const secretOutputs = new Map<string, string[]>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const key = `${args.type}::${args.name}`;
        const state: Struct = { ...args.inputs, ...(opts.state?.(args.type, args.name, args.inputs) ?? {}) };
        // What the engine does with additionalSecretOutputs.
        for (const k of secretOutputs.get(key) ?? [])
          if (state[k] !== undefined) state[k] = { [specialSigKey]: specialSecretSig, value: state[k] };
        return { id: String(state.id ?? `${args.name}-id`), state };
      },
      call: (args) => {
        calls.push({ token: args.token, inputs: args.inputs });
        return opts.call?.(args.token, args.inputs) ?? {};
      },
    },
    "lattice-test",
    "mocks",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const secretPaths: string[] = [];
    const plainStrings: string[] = [];
    const inputs = walk(req.getObject()?.toJavaScript() ?? {}, "", secretPaths, plainStrings, false) as Struct;
    secretOutputs.set(`${req.getType()}::${req.getName()}`, req.getAdditionalsecretoutputsList());
    return register(req, (err, resp) => {
      if (resp)
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          parent: req.getParent(),
          custom: req.getCustom(),
          dependencies: req.getDependenciesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          inputs,
          secretPaths,
          plainStrings,
        });
      cb(err, resp);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const secretPaths: string[] = [];
    const plainStrings: string[] = [];
    const values = walk(req.getOutputs()?.toJavaScript() ?? {}, "", secretPaths, plainStrings, false) as Struct;
    outputs.push({ urn: req.getUrn(), secretPaths, plainStrings, values });
    registerOutputs(req, cb);
  };
  program();
  await waitForRPCs();
  return {
    registrations,
    outputs,
    calls,
    byName(name) {
      const r = registrations.find((x) => x.name === name);
      if (!r) throw new Error(`no resource named ${name}; have ${registrations.map((x) => x.name).join(", ")}`);
      return r;
    },
  };
}
