// The expected failures of the stack commands and of `doctor`, one class each: the fields say what
// failed, the constructor turns them into the message and the fix. A new command reuses these or
// throws a plain CliError with a fix (cli/README.md).
import type { SpecError } from "../core/spec";
import { formatSpecError } from "../core/spec";
import { CliError } from "./errors";

/** No `pulumi` on PATH and the project's engine is not built. */
export class EngineMissing extends CliError {
  constructor(projectEngine: string) {
    super(`no Pulumi engine: no 'pulumi' on PATH and the project's engine (${projectEngine}) is not built`, {
      fix:
        "tools/build (builds the project's engine, ~30 min cold), " +
        "or install Pulumi: https://www.pulumi.com/docs/install/",
    });
  }
}

/** A plugin the program needs is not installed where the engine looks. */
export class PluginMissing extends CliError {
  constructor(plugin: string, version: string, home: string, fix: string) {
    super(`the ${plugin} plugin v${version} is not installed in ${home}/plugins (the engine cannot download it here)`, {
      fix,
    });
  }
}

/** The stack does not exist (and this command does not create it). */
export class StackMissing extends CliError {
  constructor(stack: string, backend: string) {
    super(`stack ${stack} does not exist in ${backend}`, {
      fix: `lattice up --stack ${stack} creates it (or pulumi stack init ${stack}); 'pulumi stack ls' lists the stacks`,
    });
  }
}

/** The stack's secrets need a passphrase and none was given. */
export class PassphraseMissing extends CliError {
  constructor(stack: string) {
    super(
      `${stack ? `stack ${stack}` : "the stack"} keeps its secrets with a passphrase, ` +
        "and PULUMI_CONFIG_PASSPHRASE is not set",
      {
        fix: "export PULUMI_CONFIG_PASSPHRASE=... (or PULUMI_CONFIG_PASSPHRASE_FILE=path), then run the command again",
      },
    );
  }
}

/** Where a kubeconfig came from, for messages: "lattice:kubeconfig of stack dev", "--kubeconfig". */
export type KubeconfigOrigin = { stack: string } | { flag: string };
export const originText = (o: KubeconfigOrigin) => ("stack" in o ? `lattice:kubeconfig of stack ${o.stack}` : o.flag);
const setKubeconfig = (o: KubeconfigOrigin) =>
  "stack" in o
    ? `pulumi config set lattice:kubeconfig PATH --stack ${o.stack} (or --secret with the kubeconfig's content)`
    : `pass ${o.flag} PATH of a readable kubeconfig`;

/** The kubeconfig is not set, or its file does not exist. */
export class KubeconfigMissing extends CliError {
  constructor(origin: KubeconfigOrigin, path?: string, hint?: string) {
    super(
      path
        ? `the kubeconfig ${path} (${originText(origin)}) does not exist`
        : `no kubeconfig: ${originText(origin)} is not set`,
      { fix: hint ? `${hint}, or ${setKubeconfig(origin)}` : setKubeconfig(origin) },
    );
  }
}

/** The kubeconfig exists but cannot be read or used. */
export class KubeconfigUnreadable extends CliError {
  constructor(origin: KubeconfigOrigin, what: string, reason: string) {
    const file = what.startsWith("<") ? "FILE" : what;
    super(`cannot use the kubeconfig ${what} (${originText(origin)}): ${reason}`, {
      fix: `check the file (kubectl --kubeconfig ${file} config view), or ${setKubeconfig(origin)}`,
    });
  }
}

/** Nothing answers at the API server's address. */
export class ApiUnreachable extends CliError {
  constructor(server: string, reason: string, origin: KubeconfigOrigin) {
    super(`the Kubernetes API server ${server} is unreachable: ${reason}`, {
      fix: `start the cluster or check its address in the kubeconfig (${originText(origin)}); then lattice doctor`,
    });
  }
}

/** The API server answers but refuses the kubeconfig's credentials. */
export class ApiRefused extends CliError {
  constructor(server: string, status: number, message: string) {
    super(`the Kubernetes API server ${server} refused the kubeconfig's credentials (${status}): ${message}`, {
      fix:
        status === 403
          ? "grant the kubeconfig's user the RBAC to manage Lattice's objects (kubectl auth can-i --list)"
          : "renew the kubeconfig's client certificate or token (they are expired or from another cluster)",
    });
  }
}

/** Kinds Lattice renders that the cluster does not serve. */
export class CrdsMissing extends CliError {
  constructor(server: string, missing: readonly string[]) {
    const groups = [...new Set(missing.map((k) => k.split("/")[0]!))];
    const install = groups.map((g) => INSTALLS[g] ?? `the CRDs of ${g}`).filter((v, i, a) => a.indexOf(v) === i);
    super(`the cluster at ${server} does not serve ${missing.join(", ")}`, {
      fix: `install ${install.join(" and ")} in the cluster (lattice doctor lists what is present)`,
    });
  }
}
const INSTALLS: Record<string, string> = {
  "cilium.io": "Cilium ≥ 1.20 (its CRDs cilium.io/v2)",
  "security.istio.io": "Istio ≥ 1.31 in ambient mode (its CRDs security/networking.istio.io/v1)",
  "networking.istio.io": "Istio ≥ 1.31 in ambient mode (its CRDs security/networking.istio.io/v1)",
  "cluster.x-k8s.io": "Cluster API ≥ 1.14 (clusterctl init)",
  "controlplane.cluster.x-k8s.io": "the Cluster API control-plane provider of the clusters' bootstrap",
  "bootstrap.cluster.x-k8s.io": "the Cluster API bootstrap provider of the clusters' bootstrap",
  "infrastructure.cluster.x-k8s.io": "the Cluster API infrastructure provider of the clusters",
};

/** Lattice documents that do not validate; nothing was deployed. */
export class BadDocuments extends CliError {
  constructor(errors: readonly SpecError[], where: string, fix: string) {
    super(
      `${errors.length} problem${errors.length === 1 ? "" : "s"} in ${where}, nothing was deployed:\n` +
        errors.map((e) => `  ${formatSpecError(e)}`).join("\n"),
      { fix },
    );
  }
}

/** The engine ran and reported failures (a rollout that never became ready, a rejected object…). */
export class EngineFailed extends CliError {
  constructor(what: string, fix: string) {
    super(what, { fix });
  }
}
