// `lattice render -f PATH...`: every compiled object as multi-document YAML on stdout. Bad input:
// every error on stderr, nothing on stdout, exit 1.
import { ClusterCompileError } from "../../core/cluster";
import { renderPrerequisiteListing } from "../../core/cluster/prerequisites";
import { compileAll, CompileOptionsError } from "../../core/compile";
import { toJsonLines, toYamlStream } from "../../core/k8s/serialize";
import { CliError, parseFlags } from "../args";
import { clusterOptionsFromFlags, PARENT_FLAGS, PARENT_FLAGS_HELP } from "../cluster-flags";
import { INPUT_FLAGS, ISTIO_DEFAULT_TRUST_DOMAIN, loadInputs, printErrors, processIO, type CommandIO } from "./common";

const HELP = `usage: lattice render -f PATH... [--trust-domain TD] [-n NAMESPACE] [--output yaml|json]
                      [--parent-endpoint URL --parent-ca-file FILE]

Compile LatticeService, LatticeExternalService and LatticeCluster documents (files, or directories
searched for *.yaml/*.yml) and print every object: YAML documents, or one JSON object per line.
A LatticeCluster with spec.prerequisites: create is preceded by comment lines listing the cloud
resources Lattice creates before its Cluster API objects (on stderr with --output json).
  --trust-domain TD   the mesh's trust domain for principals (default: Istio's, ${ISTIO_DEFAULT_TRUST_DOMAIN})
  -n, --namespace NS  namespace of documents without metadata.namespace (default: default)
${PARENT_FLAGS_HELP}
Exit 0 on success; 1 with every error on stderr (and nothing on stdout) for bad input.
`;

export async function run(argv: string[], io: CommandIO = processIO): Promise<number> {
  const { values } = parseFlags("render", argv, {
    ...INPUT_FLAGS,
    "trust-domain": { type: "string" },
    output: { type: "string", short: "o" },
    ...PARENT_FLAGS,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const output = values.output ?? "yaml";
  if (output !== "yaml" && output !== "json")
    throw new CliError(`render: --output must be yaml or json, got ${output}`);
  const { docs, errors } = loadInputs("render", values.file);
  if (errors.length > 0) {
    printErrors(io, errors);
    return 1;
  }
  let result;
  try {
    result = compileAll(docs, {
      trustDomain: values["trust-domain"] ?? ISTIO_DEFAULT_TRUST_DOMAIN,
      defaultNamespace: values.namespace ?? "default",
      cluster: clusterOptionsFromFlags("render", values),
    });
  } catch (e) {
    if (e instanceof CompileOptionsError) throw new CliError(`render: ${e.message}`);
    throw e;
  }
  if (!result.ok) {
    printErrors(io, result.errors);
    return 1;
  }
  // Clusters with spec.prerequisites: create: what Lattice creates before their CAPI objects, as
  // YAML comments ahead of the objects (on stderr with --output json, which has no comments).
  let listing;
  try {
    const clusters = docs.flatMap((d) => (d.doc.kind === "LatticeCluster" ? [d.doc] : []));
    listing = renderPrerequisiteListing(clusters, { namespace: values.namespace ?? "default" });
  } catch (e) {
    if (e instanceof ClusterCompileError) throw new CliError(`render: ${e.message}`);
    throw e;
  }
  if (output === "json") {
    if (listing) io.err(listing);
    io.out(toJsonLines(result.objects));
  } else io.out(listing + toYamlStream(result.objects));
  return 0;
}
