// LatticeBarrier: a resource that exists only for its place in the dependency graph (type
// pulumi-nodejs:dynamic/lattice:Barrier). It depends on a set of resources and is deployed after
// all of them; whatever waits for the barrier's id therefore waits for the whole set while
// recording ONE dependency. The YAML loader puts one between a set's declaration records and the
// set's policies: every policy waits for every record (so the first run's agreement check sees
// both sides), but the state holds N + N dependencies instead of N × N (2 MB of a 7.5 MB state at
// 100 services, 200 MB at 1,000). The serialized provider is the shell of ../shell.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { shellProvider } from "../shell";

const provider = shellProvider(path.join(__dirname, "impl"));

/** A marker deployed after every resource in `opts.dependsOn`; it touches no cluster. */
export class LatticeBarrier extends pulumi.dynamic.Resource {
  constructor(name: string, opts: pulumi.CustomResourceOptions & { dependsOn: pulumi.Input<pulumi.Resource>[] }) {
    super(provider, name, {}, opts, "lattice", "Barrier");
  }
}
