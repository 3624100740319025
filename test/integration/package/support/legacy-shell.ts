// THE PREVIOUS SHELL, kept only to make stacks the way Lattice made them before the shell became
// location-free (providers/shell.ts as of commit f2caef6): it stores the ABSOLUTE path of each
// implementation in every resource's state. test/integration/package installs it in place of the
// package's dist/providers/shell.js to deploy such a stack, then checks that one `up` with the
// current package migrates it. Do not change it: it is a record of what old states contain.
//
// The implementation is a .js file when Lattice runs from its published build, or a .ts file when it
// runs from source (the repository, tests); in the latter case ts-node (with swc) is registered in
// the provider process first, resolved from the implementation's own directory.
import type * as pulumi from "@pulumi/pulumi";

/** The contract an implementation module exports (a dynamic ResourceProvider without configure). */
export type ProviderImplementation = Required<Omit<pulumi.dynamic.ResourceProvider, "configure">>;

/**
 * A dynamic provider whose every method runs `require(implPath)`'s method of the same name.
 *
 * When the implementation does not resolve as it is (running from source: a .ts file), `load`
 * teaches the provider process TypeScript first, with self-contained ts-node options (independent
 * of the working directory and of TS_NODE_* variables the engine's environment may carry), then
 * resolves again. No comments inside `load`: its text is serialized into the state of every
 * resource (twice, inputs and outputs).
 */
export function shellProvider(implPath: string): pulumi.dynamic.ResourceProvider {
  const load = (): ProviderImplementation => {
    let resolved: string;
    try {
      resolved = require.resolve(implPath);
    } catch {
      require(require.resolve("ts-node", { paths: [implPath] })).register({
        transpileOnly: true,
        swc: true,
        skipProject: true,
        compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true, resolveJsonModule: true },
      });
      resolved = require.resolve(implPath);
    }
    return require(resolved);
  };
  return {
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().delete(id, props),
  };
}
