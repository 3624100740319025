// What a LatticeCluster with `spec.prerequisites: create` needs besides its document: the plain
// settings of the cloud-side steps (public keys, the Keystone URL, the Proxmox host and image).
// They are component args, not YAML (they name hosts and keys of one deployment, and travel with
// secrets such as the SSH private key, which stay Pulumi inputs outside this schema); this is their
// one validator, used by the component before any resource is registered.
import { z } from "zod";
import { integer, text, token } from "./fields";
import type { SourceRef, SpecError } from "./errors";
import { issuesToErrors } from "./issues";

/** spec.prerequisites: "create" (Lattice owns them, in the same stack) or "existing" (the default). */
export const PREREQUISITE_MODES = ["create", "existing"] as const;
export type PrerequisiteMode = (typeof PREREQUISITE_MODES)[number];

/**
 * How Proxmox host commands run: Lattice's own SSH dynamic provider (providers/remote-command; no
 * plugin needed, the default), or @pulumi/command's remote.Command (needs the `command` plugin).
 */
export const PREREQUISITE_RUNNERS = ["lattice-ssh", "pulumi-command"] as const;
export type PrerequisiteRunner = (typeof PREREQUISITE_RUNNERS)[number];

/** An OpenSSH public key line: "<type> <base64> [comment]". Also the form of a pinned host key. */
export const sshPublicKey = z
  .string()
  .max(16384)
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( [^\n]*)?$/, {
    error: 'expected an OpenSSH public key such as "ssh-ed25519 AAAAC3Nz… comment"',
  });

const httpUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: "expected an http(s) URL" });

/** A variable a POSIX shell can export. */
const shellVariable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  error: 'expected a shell variable name such as "https_proxy" (letters, digits, "_")',
});

const absolutePath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._/-]*$/, { error: 'expected an absolute path such as "/var/lib/vz/lattice"' });

/** AWS: the public half of the key pair CAPA's machines get (spec…aws.sshKeyName names it). */
export const awsPrerequisiteSettings = z.strictObject({ sshPublicKey });

/** OpenStack: where Keystone is, for the clouds.yaml; the key pair's public key; the credential's limits. */
export const openstackPrerequisiteSettings = z.strictObject({
  authUrl: httpUrl,
  region: token(255).optional(),
  /** PEM bundle CAPO trusts for the cloud's endpoints (the Secret's `cacert`). */
  caCert: text(65536).optional(),
  sshPublicKey,
  applicationCredential: z
    .strictObject({
      roles: z.array(token(255)).max(32).optional(),
      expiresAt: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, {
          error: 'expected an RFC 3339 time such as "2027-01-01T00:00:00Z"',
        })
        .optional(),
    })
    .optional(),
});

/** Proxmox: the host the template is built on, over SSH, and what it is built from. */
export const proxmoxPrerequisiteSettings = z.strictObject({
  ssh: z.strictObject({
    host: token(253),
    port: integer(1, 65535).optional(),
    user: token(32).optional(),
    /** The host's public key, as in known_hosts without the host name: required (no trust on first use). */
    hostKey: sshPublicKey,
    /** Dial attempts before giving up (default 10) and the timeout of each (default 15 s). */
    dialErrorLimit: integer(1, 10000).optional(),
    perDialTimeoutSeconds: integer(1, 600).optional(),
  }),
  /** The cloud image the template is built from (qcow2 or raw), and optionally its SHA-256. */
  imageUrl: httpUrl,
  imageSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: "expected 64 lowercase hex digits" })
    .optional(),
  /** Where images are downloaded on the host (default /var/lib/vz/lattice). */
  workDir: absolutePath.optional(),
  /** The storage with `snippets` content (default "local"), and files to upload there. */
  snippetsStorage: token(128).optional(),
  snippets: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { error: 'expected a file name such as "user.yaml"' }),
      text(65536),
    )
    .optional(),
  /** Environment of every host command (a proxy for the download, PATH…). */
  environment: z.record(shellVariable, text(4096)).optional(),
  runner: z.enum(PREREQUISITE_RUNNERS).optional(),
});

export const clusterPrerequisiteSettings = z.strictObject({
  aws: awsPrerequisiteSettings.optional(),
  openstack: openstackPrerequisiteSettings.optional(),
  proxmox: proxmoxPrerequisiteSettings.optional(),
});

export type AwsPrerequisiteSettings = z.output<typeof awsPrerequisiteSettings>;
export type OpenStackPrerequisiteSettings = z.output<typeof openstackPrerequisiteSettings>;
export type ProxmoxPrerequisiteSettings = z.output<typeof proxmoxPrerequisiteSettings>;
export type ClusterPrerequisiteSettings = z.output<typeof clusterPrerequisiteSettings>;

/** Validate prerequisite settings; errors name `where` and the path under `prerequisites`. */
export function validatePrerequisiteSettings(
  value: unknown,
  where: SourceRef,
): { ok: true; value: ClusterPrerequisiteSettings } | { ok: false; errors: SpecError[] } {
  const r = clusterPrerequisiteSettings.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((i) => ({ ...i, path: ["prerequisites", ...i.path] }));
  return { ok: false, errors: issuesToErrors(issues, where) };
}
