// From YAML to components: read files and directories of Lattice documents, validate ALL of them
// (every problem reported at once, naming file, document and field) and check what spans documents,
// before a single resource is registered; then create one component per document. Each service's
// policies wait for every declaration record of the set (through one LatticeBarrier, so the state
// records one dependency per policy rather than one per record), so the agreement check of the
// first run already sees both sides of agreements made within the set.
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readYamlSources } from "../cli/files";
import { compileAll } from "../core/compile";
import { buildGraph, type Graph } from "../core/graph";
import { adoptsExisting, loadDocuments, type SpecError } from "../core/spec";
import { LatticeSpecError } from "./errors";
import { LatticeBarrier } from "../providers/barrier";
import { LatticeExternalService } from "./external-service";
import { LatticeService } from "./service";
import { resolveMesh, type ClusterTarget, type MeshSettings } from "./target";

/** Arguments of fromYaml. */
export interface LatticeYamlArgs extends ClusterTarget, MeshSettings {
  /** YAML files or directories (searched recursively for *.yaml / *.yml). */
  paths: string[];
  /** What relative paths are relative to (and how files are named in messages); the working directory by default. */
  baseDir?: string;
}

/** The components created from the YAML, by "namespace/name", and the agreement graph of the set. */
export interface LatticeYaml {
  services: Record<string, LatticeService>;
  externalServices: Record<string, LatticeExternalService>;
  graph: Graph;
}

/** The barrier of the first set a program loads is "lattice-declarations", later ones are numbered. */
let sets = 0;
function barrierName(): string {
  return ++sets === 1 ? "lattice-declarations" : `lattice-declarations-${sets}`;
}

/** Read, validate and check Lattice YAML, then create a component per document. */
export function fromYaml(args: LatticeYamlArgs, opts?: pulumi.ComponentResourceOptions): LatticeYaml {
  const baseDir = args.baseDir ?? process.cwd();
  let sources;
  try {
    sources = readYamlSources(
      args.paths.map((p) => path.resolve(baseDir, p)),
      baseDir,
    );
  } catch (e) {
    throw new pulumi.RunError(`Lattice YAML: ${(e as Error).message}`);
  }
  const loaded = loadDocuments(sources);
  const where = `Lattice YAML (${args.paths.join(", ")})`;
  if (loaded.errors.length) throw new LatticeSpecError(loaded.errors, where);
  const mesh = resolveMesh(args);
  const checked = compileAll(loaded.docs, { trustDomain: mesh.trustDomain, defaultNamespace: "default" });
  if (!checked.ok) throw new LatticeSpecError(checked.errors as SpecError[], where);

  // One provider for every workload of the set (each provider is its own plugin instance).
  const provider = args.provider ?? new k8s.Provider("lattice", { kubeconfig: pulumi.secret(args.kubeconfig) }, opts);
  const target = { kubeconfig: args.kubeconfig, provider };
  let release!: (r: pulumi.Resource[]) => void;
  const allRecords = new Promise<pulumi.Resource[]>((resolve) => (release = resolve));
  const common = { ...target, ...mesh, agreementsAfter: allRecords };

  const services: Record<string, LatticeService> = {};
  const externalServices: Record<string, LatticeExternalService> = {};
  for (const { doc } of loaded.docs) {
    const namespace = doc.metadata.namespace ?? "default";
    // Component names are the documents' refs ("shop/api"), shortened to the name in "default".
    const name = namespace === "default" ? doc.metadata.name : `${namespace}/${doc.metadata.name}`;
    const base = { ...common, serviceName: doc.metadata.name, namespace, adopt: adoptsExisting(doc) };
    if (doc.kind === "LatticeService")
      services[`${namespace}/${doc.metadata.name}`] = new LatticeService(name, { ...base, spec: doc.spec }, opts);
    else if (doc.kind === "LatticeExternalService")
      externalServices[`${namespace}/${doc.metadata.name}`] = new LatticeExternalService(
        name,
        { ...base, spec: doc.spec },
        opts,
      );
  }
  const records = [...Object.values(services), ...Object.values(externalServices)].map((c) => c.declarations);
  release(records.length ? [new LatticeBarrier(barrierName(), { ...opts, dependsOn: records })] : []);
  return { services, externalServices, graph: buildGraph(loaded.docs, { defaultNamespace: "default" }) };
}
