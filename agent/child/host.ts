// The agent's host in a real child cluster: describes the cluster, reads its health, executes
// commands under the link policy, and stores renewed certificates in the identity Secret.
import type { KubeClient } from "../../kube/client";
import type { Command__Output, CommandResult, Health } from "../protocol/load";
import { AGENT_CAPABILITIES, LATTICE_VERSION } from "../protocol/version";
import { getFips } from "node:crypto";
import { Executor } from "./executor";
import { collectHealth, kubernetesVersion } from "./health";
import { loadIdentity, saveRenewedCertificate } from "./identity";
import type { AgentHost, Identity } from "./link";
import type { LinkPolicy } from "./policy";
import type { Logger } from "../log";

/** AgentHost over the child's API. */
/** How long Hello waits for the child API's version before saying what it knew. */
const DESCRIBE_TIMEOUT_MS = 5000;

export class KubeAgentHost implements AgentHost {
  private readonly executor: Executor;
  private lastVersion = "";

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    policy: LinkPolicy,
    private readonly log: Logger,
  ) {
    this.executor = new Executor(kube, policy, {
      agentVersion: LATTICE_VERSION,
      fipsMode: getFips() === 1,
      kubernetesVersion: () => kubernetesVersion(kube),
      health: () => collectHealth(kube),
    });
  }

  async describe(): Promise<{ agentVersion: string; kubernetesVersion: string; capabilities: string[] }> {
    // An unreachable or hung child API must not keep the link down: report what is known (the
    // version read last time), after at most DESCRIBE_TIMEOUT_MS.
    let timer: NodeJS.Timeout | undefined;
    const version = await Promise.race([
      kubernetesVersion(this.kube),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${DESCRIBE_TIMEOUT_MS} ms`)), DESCRIBE_TIMEOUT_MS);
      }),
    ])
      .then((v) => (this.lastVersion = v))
      .catch((e: unknown) => {
        this.log.warn("could not read the cluster's version", { error: e as Error });
        return this.lastVersion;
      })
      .finally(() => clearTimeout(timer));
    return { agentVersion: LATTICE_VERSION, kubernetesVersion: version, capabilities: [...AGENT_CAPABILITIES] };
  }

  async health(): Promise<Health | undefined> {
    return collectHealth(this.kube);
  }

  execute(cmd: Command__Output): Promise<CommandResult> {
    return this.executor.execute(cmd);
  }

  saveCertificate(cert: string, key: string): Promise<void> {
    return saveRenewedCertificate(this.kube, this.namespace, cert, key);
  }

  loadIdentity(): Promise<Identity> {
    return loadIdentity(this.kube, this.namespace);
  }
}
