// The cloud-side prerequisites of a LatticeCluster (`spec.prerequisites: create`): validate the
// settings, plan the steps (core/cluster/prerequisites, the same plan `lattice render` lists) and
// hand them to the provider's module, which loads its cloud SDK only then. The component makes its
// CAPI objects depend on every resource returned here: created first, deleted last.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { planPrerequisites } from "../../core/cluster/prerequisites";
import { clusterProvider, validatePrerequisiteSettings, type LatticeCluster, type ProviderName } from "../../core/spec";
import { LatticeSpecError } from "../errors";
import { createAwsPrerequisites, type AwsPrerequisiteArgs } from "./aws";
import type { CreatedPrerequisites, PrerequisiteContext } from "./context";
import { createOpenStackPrerequisites, type OpenStackPrerequisiteArgs } from "./openstack";
import { createProxmoxPrerequisites, type ProxmoxPrerequisiteArgs } from "./proxmox";

export type { AwsPrerequisiteArgs } from "./aws";
export type { OpenStackPrerequisiteArgs } from "./openstack";
export type { ProxmoxPrerequisiteArgs } from "./proxmox";
export type { CreatedPrerequisites } from "./context";
export { OPTIONAL_PACKAGES } from "./optional";

/** Settings of the prerequisites, per provider (only the cluster's own provider's are used). */
export interface ClusterPrerequisiteArgs {
  aws?: AwsPrerequisiteArgs;
  openstack?: OpenStackPrerequisiteArgs;
  proxmox?: ProxmoxPrerequisiteArgs;
}

/** Where the component puts them. */
export interface PrerequisiteScope {
  readonly scope: pulumi.ComponentResource;
  readonly name: string;
  readonly namespace: string;
  readonly parentProvider: () => k8s.Provider;
  /** Whether the component's args carry `credentials` (then the spec's Secret is not ours to write). */
  readonly credentialsGiven: boolean;
}

/** Split off what zod does not validate (Pulumi inputs: providers, the private key). */
function plainSettings(args: ClusterPrerequisiteArgs): unknown {
  const { aws, openstack, proxmox } = args;
  const withoutProvider = <T extends { provider?: unknown }>(s: T | undefined) => {
    if (!s) return undefined;
    const { provider: _provider, ...rest } = s;
    return rest;
  };
  return {
    ...(aws ? { aws: withoutProvider(aws) } : {}),
    ...(openstack ? { openstack: withoutProvider(openstack) } : {}),
    ...(proxmox
      ? { proxmox: { ...proxmox, ssh: proxmox.ssh ? (({ privateKey: _key, ...ssh }) => ssh)(proxmox.ssh) : undefined } }
      : {}),
  };
}

/**
 * Create the prerequisites of `doc` (nothing when spec.prerequisites is not "create"). Throws a
 * LatticeSpecError naming the field for missing or bad settings, before any resource exists.
 */
export function clusterPrerequisites(
  doc: LatticeCluster,
  at: PrerequisiteScope,
  args: ClusterPrerequisiteArgs | undefined,
): CreatedPrerequisites | undefined {
  const who = `LatticeCluster ${at.name}`;
  const provider: ProviderName = clusterProvider(doc).provider;
  const fail = (path: string, message: string): never => {
    throw new LatticeSpecError([{ file: who, doc: 1, path, message }], who);
  };
  if (doc.spec.prerequisites !== "create") {
    if (args && Object.keys(args).length)
      fail("prerequisites", 'settings were given, but spec.prerequisites is not "create": set it, or drop them');
    return undefined;
  }
  const checked = validatePrerequisiteSettings(plainSettings(args ?? {}), { file: who, doc: 1 });
  if (!checked.ok) throw new LatticeSpecError(checked.errors, who);
  if (args?.proxmox && !args.proxmox.ssh?.privateKey)
    fail("prerequisites.proxmox.ssh.privateKey", "missing: the SSH private key for the host (a Pulumi secret)");
  for (const other of Object.keys(args ?? {}))
    if (other !== provider)
      fail(`prerequisites.${other}`, `the cluster's provider is ${provider}: give prerequisites.${provider} instead`);
  if (at.credentialsGiven && provider !== "proxmox")
    fail(
      "credentials",
      `spec.prerequisites is "create", so Lattice makes the ${provider} credentials and their Secret: drop credentials`,
    );
  const ctx: PrerequisiteContext = {
    scope: at.scope,
    name: at.name,
    who,
    cluster: doc.metadata.name,
    namespace: at.namespace,
    parentProvider: at.parentProvider,
  };
  let plan;
  try {
    plan = planPrerequisites(doc, {
      namespace: at.namespace,
      ...(args?.proxmox?.runner ? { runner: args.proxmox.runner } : {}),
      ...(args?.proxmox?.snippetsStorage ? { snippetsStorage: args.proxmox.snippetsStorage } : {}),
    });
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
  if (!plan) return undefined;
  const missing = (example: string) =>
    fail(`prerequisites.${provider}`, `spec.prerequisites is "create": give the ${provider} settings (${example})`);
  switch (plan.provider) {
    case "aws": {
      const config = clusterProvider(doc).config as { region: string };
      return createAwsPrerequisites(ctx, plan.steps, args?.aws ?? missing("sshPublicKey"), config.region);
    }
    case "openstack":
      return createOpenStackPrerequisites(ctx, plan.steps, args?.openstack ?? missing("authUrl, sshPublicKey"));
    case "proxmox":
      return createProxmoxPrerequisites(ctx, plan.steps, args?.proxmox ?? missing("ssh, imageUrl"));
    default: {
      const never: never = plan;
      throw new Error(`${who}: unknown prerequisites ${JSON.stringify(never)}`);
    }
  }
}
