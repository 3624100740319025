// The Lattice spec: the three document kinds, their one parser and validator, and their errors.
export { ADOPT_ANNOTATION, adoptsExisting, LATTICE_API_VERSION } from "./fields";
export { describeValue, formatPath, formatSource, formatSpecError, sortSpecErrors } from "./errors";
export type { SourceRef, SpecError } from "./errors";
export { mountSourceKey } from "./service";
export type {
  Container,
  ExternalServiceDeclaration,
  LatticeService,
  Probe,
  ResourceDeclaration,
  ServiceDeclaration,
  ServicePort,
  ServiceSpec,
  VolumeDeclaration,
} from "./service";
export { requestersField, requestersOf } from "./external-service";
export type { LatticeExternalService } from "./external-service";
export { parseEndpoint } from "./endpoint";
export type { Endpoint, EndpointTarget } from "./endpoint";
export { clusterProvider, workerPoolsOf } from "./cluster";
export type { LatticeCluster, WorkerPool } from "./cluster";
export { POOL_SIZING_FIELDS, PROVIDERS, providerOf } from "./cluster-providers";
export type {
  AwsConfig,
  DockerConfig,
  OpenStackConfig,
  ProviderName,
  ProviderSpec,
  ProxmoxConfig,
} from "./cluster-providers";
export { KIND_SCHEMAS, LATTICE_KINDS, validateDocument } from "./validate";
export type { DocumentOf, LatticeDocument, LatticeKind, SourcedDocument, Validation } from "./validate";
export { DEFAULT_YAML_LIMITS, forEachYamlDocument, parseYamlDocuments } from "./yaml";
export type { RawDocument, YamlLimits } from "./yaml";
export { loadDocuments } from "./load";
export type { Loaded, YamlSource } from "./load";
export { renderJsonSchemas } from "./json-schema";
export {
  PREREQUISITE_MODES,
  PREREQUISITE_RUNNERS,
  sshPublicKey,
  validatePrerequisiteSettings,
} from "./cluster-prerequisites";
export type {
  AwsPrerequisiteSettings,
  ClusterPrerequisiteSettings,
  OpenStackPrerequisiteSettings,
  PrerequisiteMode,
  PrerequisiteRunner,
  ProxmoxPrerequisiteSettings,
} from "./cluster-prerequisites";
