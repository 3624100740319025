// The cloud SDKs are optional peer dependencies of Lattice: a stack loads one only when a cluster
// of that provider has `spec.prerequisites: create`, and only the submodules it uses, so a Docker-
// or Proxmox-only stack needs neither the npm packages nor the engine plugins of AWS or OpenStack.
import * as pulumi from "@pulumi/pulumi";

/** The optional packages: the npm version range Lattice is tested with and the engine plugin they need. */
export const OPTIONAL_PACKAGES = {
  "@pulumi/aws": { range: "^7.48.0", plugin: "pulumi plugin install resource aws 7.48.0" },
  "@pulumi/openstack": { range: "^3.15.2", plugin: "pulumi plugin install resource openstack 3.15.2" },
  "@pulumi/command": { range: "^1.2.1", plugin: "pulumi plugin install resource command 1.2.1" },
  ssh2: { range: "^1.17.0", plugin: undefined },
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** require(`pkg` + `sub`), or a RunError saying what `who` needs installed. */
export function loadOptional<T>(pkg: OptionalPackage, sub: string, who: string): T {
  const id = sub ? `${pkg}/${sub}` : pkg;
  try {
    return require(id) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes(pkg)) throw e;
    const { range, plugin } = OPTIONAL_PACKAGES[pkg];
    throw new pulumi.RunError(
      `${who} needs the npm package ${pkg}, which is not installed: npm install ${pkg}@"${range}"` +
        (plugin ? `, and its engine plugin: ${plugin}` : ""),
    );
  }
}
