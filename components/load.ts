// From YAML to one ServiceSet: read files and directories of Lattice documents, validate ALL of them
// (every problem reported at once, naming file, document and field) and check what spans documents,
// before a single resource is registered; then deploy every service and external service of the set
// as ONE ServiceSet resource (providers/serviceset; docs/decisions/resource-model.md): its provider
// applies every declaration record before any agreement is checked, so the first run already sees
// both sides of agreements made within the set, and the state holds a few bytes per service.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readYamlSources } from "../cli/files";
import { compileAll } from "../core/compile";
import { buildGraph, type Graph } from "../core/graph";
import { adoptsExisting, loadDocuments, type LatticeService as ServiceDocument, type SpecError } from "../core/spec";
import type { ServiceSet } from "../providers/serviceset";
import { deploySet } from "./agreement";
import { LatticeSpecError } from "./errors";
import { externalServiceOutputs, type ExternalServiceOutputs } from "./external-service";
import { registerLegacy } from "./legacy";
import { dependsOnBoth, serviceOutputs, type ServiceOutputs } from "./service";
import { resolveMesh, type ClusterTarget, type MeshSettings } from "./target";

/** Arguments of fromYaml. */
export interface LatticeYamlArgs extends ClusterTarget, MeshSettings {
  /** YAML files or directories (searched recursively for *.yaml / *.yml). */
  paths: string[];
  /** What relative paths are relative to (and how files are named in messages); the working directory by default. */
  baseDir?: string;
}

/** The services of the YAML, by "namespace/name", the set that deploys them, and the agreement graph. */
export interface LatticeYaml {
  services: Record<string, ServiceOutputs>;
  externalServices: Record<string, ExternalServiceOutputs>;
  graph: Graph;
  /** The resource holding every object of the set (undefined for YAML without services). */
  set: ServiceSet | undefined;
}

/** The set of the first YAML a program loads is "lattice-mesh", later ones are numbered. */
let sets = 0;
function setName(): string {
  return ++sets === 1 ? "lattice-mesh" : `lattice-mesh-${sets}`;
}

/** The options of fromYaml that apply to the set resource. */
function setOptions(opts: pulumi.ComponentResourceOptions | undefined): pulumi.CustomResourceOptions {
  if (!opts) return {};
  const { providers: _providers, provider: _provider, ...rest } = opts;
  return rest;
}

/** Read, validate and check Lattice YAML, then deploy its services as one ServiceSet. */
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
  const graph = buildGraph(loaded.docs, { defaultNamespace: "default" });

  const members = loaded.docs.flatMap(({ doc }) =>
    doc.kind === "LatticeService" || doc.kind === "LatticeExternalService" ? [{ doc, adopt: adoptsExisting(doc) }] : [],
  );
  if (!members.length) return { services: {}, externalServices: {}, graph, set: undefined };

  // A stack deployed by the previous resource model keeps its workload objects (see ./legacy.ts).
  const legacy = registerLegacy(
    members.flatMap(({ doc }) => {
      if (doc.kind !== "LatticeService") return [];
      const namespace = doc.metadata.namespace ?? "default";
      // The previous model named each service's component after its ref, shortened in "default".
      const component = namespace === "default" ? doc.metadata.name : `${namespace}/${doc.metadata.name}`;
      const adopt = adoptsExisting(doc);
      return [
        {
          component,
          doc: doc as ServiceDocument,
          namespace,
          adopt,
          ...(args.provider ? { provider: args.provider } : {}),
        },
      ];
    }),
    { kubeconfig: args.kubeconfig, trustDomain: mesh.trustDomain, yaml: true, ...(opts ? { opts } : {}) },
  );
  const deployed = deploySet(
    setName(),
    {
      kubeconfig: args.kubeconfig,
      trustDomain: mesh.trustDomain,
      awaitWorkloads: mesh.awaitWorkloads,
      members,
      defaultNamespace: "default",
    },
    { ...setOptions(opts), dependsOn: dependsOnBoth(opts?.dependsOn, legacy) },
  );

  const services: Record<string, ServiceOutputs> = {};
  const externalServices: Record<string, ExternalServiceOutputs> = {};
  for (const { doc } of members) {
    const namespace = doc.metadata.namespace ?? "default";
    const ref = `${namespace}/${doc.metadata.name}`;
    const oneSided = deployed.oneSidedOf(ref);
    if (doc.kind === "LatticeService") services[ref] = serviceOutputs(doc, namespace, mesh.trustDomain, oneSided);
    else externalServices[ref] = externalServiceOutputs(doc, namespace, mesh.trustDomain, oneSided);
  }
  return { services, externalServices, graph, set: deployed.set };
}
