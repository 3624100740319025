// The child side of a link test: bootstrap through the real CLI, then a kubeconfig for the agent
// that authenticates as the agent's ServiceAccount (a TokenRequest), so the agent runs with exactly
// the RBAC the bootstrap installed — not the test's admin credentials.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import type { ControlPlane } from "../../../harness/controlplane";
import { renderKubeconfig } from "../../../../kube/kubeconfig";
import { AGENT_NAME, AGENT_NAMESPACE } from "../../../../agent/api/child";
import type { BootstrapGrant } from "../../../../agent/queue";
import { runLattice } from "./procs";

/** Write the grant's token and CA to files (mode 0600) and run `lattice agent bootstrap`. */
export async function bootstrapChild(
  child: ControlPlane,
  grant: BootstrapGrant,
  dir: string,
  opts: { cluster?: string; wrap?: (cmd: string[]) => string[]; name?: string; url?: string } = {},
) {
  const tokenFile = path.join(dir, `${opts.name ?? "bootstrap"}.token`);
  const caFile = path.join(dir, "cell-ca.pem");
  writeFileSync(tokenFile, grant.token, { mode: 0o600 });
  writeFileSync(caFile, grant.caBundle);
  return runLattice(
    opts.name ?? "bootstrap",
    [
      "agent",
      "bootstrap",
      "--kubeconfig",
      child.kubeconfigPath,
      "--cluster",
      opts.cluster ?? grant.cluster,
      "--url",
      opts.url ?? grant.bootstrapUrl!,
      "--ca-file",
      caFile,
      "--token-file",
      tokenFile,
    ],
    dir,
    opts.wrap,
  );
}

/** A kubeconfig (written to dir) for the agent's ServiceAccount in the child. */
export async function agentKubeconfig(child: ControlPlane, dir: string): Promise<string> {
  const tr = await child.client.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${AGENT_NAMESPACE}/serviceaccounts/${AGENT_NAME}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  );
  const file = path.join(dir, "agent.kubeconfig");
  writeFileSync(
    file,
    renderKubeconfig("child-as-agent", { server: child.server, ca: child.ca.cert, token: tr.status.token }),
    { mode: 0o600 },
  );
  return file;
}
