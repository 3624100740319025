// RemoteCommand (type pulumi-nodejs:dynamic/lattice:RemoteCommand): a command run on a host over
// SSH, with the resource interface of @pulumi/command's remote.Command (create/update/delete
// commands, triggers, stdin, stdout/stderr outputs) but no engine plugin to install. The
// connection (with its private key) and the outputs are Pulumi secrets. The serialized provider is
// the shell of ../shell.ts; the work is in ./impl.ts and ./ssh.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { shellProvider } from "../shell";
import type { Connection } from "./ssh";

const provider = shellProvider(path.join(__dirname, "impl"));

/** Arguments of a RemoteCommand. */
export interface RemoteCommandArgs {
  connection: pulumi.Input<{ [K in keyof Connection]: pulumi.Input<Connection[K]> }>;
  create: pulumi.Input<string>;
  update?: pulumi.Input<string>;
  delete?: pulumi.Input<string>;
  triggers?: pulumi.Input<unknown[]>;
  stdin?: pulumi.Input<string>;
}

/** A command on a host: run on create (and update), its `delete` on destroy. */
export class RemoteCommand extends pulumi.dynamic.Resource {
  declare public readonly stdout: pulumi.Output<string>;
  declare public readonly stderr: pulumi.Output<string>;

  constructor(name: string, args: RemoteCommandArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, connection: pulumi.secret(args.connection), stdout: undefined, stderr: undefined },
      { ...opts, additionalSecretOutputs: ["connection", "stdout", "stderr"] },
      "lattice",
      "RemoteCommand",
    );
  }
}
