// The cloud-side prerequisites of a LatticeCluster (`spec.prerequisites: create`), pure: the plan
// of steps, CAPA's IAM set, the Proxmox host commands and the clouds.yaml. Resources are made from
// these by components/prerequisites.
export { CAPA_IAM, CAPA_IAM_SOURCE, fromCloudFormation } from "./capa-iam";
export type { CapaIamSet, PolicyDocument } from "./capa-iam";
export { renderCloudsYaml } from "./clouds-yaml";
export type { CloudsYamlInput } from "./clouds-yaml";
export { renderPrerequisiteListing } from "./listing";
export {
  CAPA_NAMESPACE,
  PROXMOX_DEFAULT_SNIPPETS_STORAGE,
  PROXMOX_DEFAULT_STORAGE,
  REMOTE_COMMAND_TYPES,
  capaIamSteps,
  planPrerequisites,
  stepKey,
} from "./plan";
export type { AwsStep, OpenStackStep, PrerequisiteOptions, PrerequisitePlan, ProxmoxStep } from "./plan";
export { TEMPLATE_MARKER, shellQuote, snippetCommands, templateCommands, templateStamp } from "./proxmox-scripts";
export type { HostCommands, TemplateRecipe } from "./proxmox-scripts";
