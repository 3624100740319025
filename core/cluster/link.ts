// The parent link on a control-plane node: four files and one command, added to the control
// plane's bootstrap config (KubeadmControlPlane / RKE2ControlPlane). Workers get none of them, so
// the token never reaches a worker. The token file's content comes from the bootstrap Secret
// (contentFrom), so the manifests, `lattice render` and Pulumi state never hold it.
import type { BootstrapFile } from "../k8s/builders";
import { KUBECTL_BY_BOOTSTRAP, renderBootstrapScript } from "./bootstrap-script";
import { BOOTSTRAP_SECRET_KEYS, NODE_PATHS, bootstrapSecretName } from "./link-contract";
import type { ParentLink } from "./options";

/** The files that carry the parent link onto a control-plane node. */
export function linkFiles(
  cluster: string,
  bootstrap: "kubeadm" | "rke2",
  parent: ParentLink | undefined,
): BootstrapFile[] {
  const secret = bootstrapSecretName(cluster);
  const fromSecret = (key: string) => ({ secret: { name: secret, key } });
  return [
    {
      path: NODE_PATHS.token,
      owner: "root:root",
      permissions: "0600",
      contentFrom: fromSecret(BOOTSTRAP_SECRET_KEYS.token),
    },
    parent
      ? { path: NODE_PATHS.endpoint, owner: "root:root", permissions: "0644", content: parent.bootstrapUrl + "\n" }
      : {
          path: NODE_PATHS.endpoint,
          owner: "root:root",
          permissions: "0644",
          contentFrom: fromSecret(BOOTSTRAP_SECRET_KEYS.endpoint),
        },
    parent
      ? { path: NODE_PATHS.caCert, owner: "root:root", permissions: "0644", content: parent.caPem }
      : {
          path: NODE_PATHS.caCert,
          owner: "root:root",
          permissions: "0644",
          contentFrom: fromSecret(BOOTSTRAP_SECRET_KEYS.caCert),
        },
    {
      path: NODE_PATHS.script,
      owner: "root:root",
      permissions: "0700",
      content: renderBootstrapScript(cluster, KUBECTL_BY_BOOTSTRAP[bootstrap]),
    },
  ];
}

/** The post-bootstrap command (postKubeadmCommands / postRKE2Commands) that runs the script. A
 * failure is logged by cloud-init and does not fail the machine: the provisioning provider waits for
 * the agent and reports what it was waiting for. */
export function linkCommand(): string {
  return `/bin/sh ${NODE_PATHS.script}`;
}
