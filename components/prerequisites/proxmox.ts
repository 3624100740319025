// Proxmox prerequisites: host-side steps over SSH (the VM template CAPMOX clones, snippets
// storage), as commands from core/cluster/prerequisites/proxmox-scripts.ts. Which runner carries
// them is a setting: Lattice's RemoteCommand dynamic provider (default: no engine plugin needed,
// only the npm package ssh2) or @pulumi/command's remote.Command (needs the `command` plugin).
// Both get the same commands, triggers and secrets, so switching runners changes no host state.
import * as pulumi from "@pulumi/pulumi";
import {
  snippetCommands,
  templateCommands,
  type HostCommands,
  type ProxmoxStep,
} from "../../core/cluster/prerequisites";
import type { PrerequisiteRunner, ProxmoxPrerequisiteSettings } from "../../core/spec";
import { RemoteCommand } from "../../providers/remote-command";
import type { CreatedPrerequisites, PrerequisiteContext } from "./context";
import { loadOptional } from "./optional";

type Remote = typeof import("@pulumi/command/remote");

/** Proxmox settings: the validated ones plus the SSH private key (kept a secret). */
export interface ProxmoxPrerequisiteArgs extends Omit<ProxmoxPrerequisiteSettings, "ssh"> {
  ssh: ProxmoxPrerequisiteSettings["ssh"] & { privateKey: pulumi.Input<string> };
}

/** Where downloads go on the host when the settings name no workDir. */
export const DEFAULT_WORK_DIR = "/var/lib/vz/lattice";

/** One host command through the chosen runner. */
function hostCommand(
  ctx: PrerequisiteContext,
  runner: PrerequisiteRunner,
  key: string,
  settings: ProxmoxPrerequisiteArgs,
  commands: HostCommands,
  triggers: unknown[],
): pulumi.CustomResource {
  const ssh = settings.ssh;
  const name = `${ctx.name}-${key}`;
  const opts: pulumi.CustomResourceOptions = { parent: ctx.scope };
  const connection = {
    host: ssh.host,
    port: ssh.port ?? 22,
    user: ssh.user ?? "root",
    privateKey: pulumi.secret(ssh.privateKey),
    hostKey: ssh.hostKey,
    dialErrorLimit: ssh.dialErrorLimit ?? 10,
    perDialTimeout: ssh.perDialTimeoutSeconds ?? 15,
  };
  switch (runner) {
    case "lattice-ssh":
      loadOptional<unknown>("ssh2", "", `${ctx.who} (Proxmox prerequisites over Lattice's SSH runner)`);
      return new RemoteCommand(name, { connection, create: commands.create, delete: commands.delete, triggers }, opts);
    case "pulumi-command": {
      const remote = loadOptional<Remote>("@pulumi/command", "remote", ctx.who);
      return new remote.Command(
        name,
        { connection, create: commands.create, delete: commands.delete, triggers, addPreviousOutputInEnv: false },
        { ...opts, additionalSecretOutputs: ["stdout", "stderr"] },
      );
    }
    default: {
      const never: never = runner;
      throw new Error(`${ctx.who}: unknown runner ${JSON.stringify(never)}`);
    }
  }
}

export function createProxmoxPrerequisites(
  ctx: PrerequisiteContext,
  steps: readonly ProxmoxStep[],
  settings: ProxmoxPrerequisiteArgs,
): CreatedPrerequisites {
  const runner = settings.runner ?? "lattice-ssh";
  const env = settings.environment ?? {};
  const where = [settings.ssh.host, settings.ssh.port ?? 22];
  const resources: pulumi.Resource[] = [];
  let template: number | undefined;
  for (const s of steps) {
    switch (s.op) {
      case "snippets":
        resources.push(
          hostCommand(
            ctx,
            runner,
            s.key,
            settings,
            snippetCommands(s.storage, `${ctx.namespace}-${ctx.cluster}`, settings.snippets ?? {}, env),
            [...where, s.storage],
          ),
        );
        break;
      case "template": {
        const recipe = {
          vmid: s.vmid,
          imageUrl: settings.imageUrl,
          imageSha256: settings.imageSha256,
          storage: s.storage,
          bridge: s.bridge,
          workDir: settings.workDir ?? DEFAULT_WORK_DIR,
        };
        // A new host or VM id is a new template (the old one is deleted); a new image, storage or
        // bridge is an update, which the command handles by rebuilding in place.
        resources.push(hostCommand(ctx, runner, s.key, settings, templateCommands(recipe, env), [...where, s.vmid]));
        template = s.vmid;
        break;
      }
      default: {
        const never: never = s;
        throw new Error(`${ctx.who}: unknown Proxmox step ${JSON.stringify(never)}`);
      }
    }
  }
  return { resources, outputs: pulumi.output<Record<string, string>>({ templateId: String(template ?? "") }) };
}
