// kube-vip as a static pod on Proxmox control-plane nodes: it holds the control-plane VIP (ARP,
// leader election through the API) so the cluster's endpoint does not depend on one VM. The
// manifest is a typed Pod serialised to YAML, never a string template. Settings follow CAPMOX's
// published templates.
//
// kubeadm ≥ 1.29 grants admin.conf its rights only at the end of `kubeadm init`, so on the first
// node kube-vip must use super-admin.conf until init is done (kube-vip issue 684): swapped in before
// init, swapped back after. Joining nodes (/run/kubeadm/kubeadm.yaml absent) keep admin.conf.
import { stringify } from "yaml";
import { staticPod, type BootstrapFile } from "../k8s/builders";
import type { Bootstrap } from "./context";

/** Where the kubelet picks up static pods, and the admin kubeconfig kube-vip uses, per bootstrap. */
const NODE_LAYOUT = {
  kubeadm: { manifest: "/etc/kubernetes/manifests/kube-vip.yaml", kubeconfig: "/etc/kubernetes/admin.conf" },
  rke2: {
    manifest: "/var/lib/rancher/rke2/agent/pod-manifests/kube-vip.yaml",
    kubeconfig: "/etc/rancher/rke2/rke2.yaml",
  },
} as const;

export interface KubeVipSetup {
  readonly files: BootstrapFile[];
  readonly preCommands: string[];
  readonly postCommands: string[];
}

/** The kube-vip static pod manifest (YAML) for `vip` on `iface` (kube-vip picks the default route's interface when absent). */
export function renderKubeVipManifest(
  bootstrap: Bootstrap,
  vip: string,
  iface: string | undefined,
  image: string,
): string {
  const layout = NODE_LAYOUT[bootstrap];
  const env = [
    { name: "cp_enable", value: "true" },
    ...(iface ? [{ name: "vip_interface", value: iface }] : []),
    { name: "address", value: vip },
    { name: "port", value: "6443" },
    { name: "vip_arp", value: "true" },
    { name: "vip_leaderelection", value: "true" },
    { name: "vip_leaseduration", value: "15" },
    { name: "vip_renewdeadline", value: "10" },
    { name: "vip_retryperiod", value: "2" },
  ];
  const pod = staticPod(
    { name: "kube-vip", namespace: "kube-system" },
    {
      containers: [
        {
          name: "kube-vip",
          image,
          imagePullPolicy: "IfNotPresent",
          args: ["manager"],
          env,
          securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
          volumeMounts: [{ name: "kubeconfig", mountPath: "/etc/kubernetes/admin.conf" }],
        },
      ],
      hostAliases: [{ ip: "127.0.0.1", hostnames: ["localhost", "kubernetes"] }],
      hostNetwork: true,
      volumes: [{ name: "kubeconfig", hostPath: { path: layout.kubeconfig, type: "FileOrCreate" } }],
    },
  );
  return stringify(pod, { lineWidth: 0, version: "1.2" });
}

const SWAP = (from: string, to: string) =>
  `if [ -f /run/kubeadm/kubeadm.yaml ]; then sed -i 's#path: /etc/kubernetes/${from}#path: /etc/kubernetes/${to}#' ${NODE_LAYOUT.kubeadm.manifest}; fi`;

/** Files and commands that run kube-vip on a control-plane node. */
export function kubeVip(bootstrap: Bootstrap, vip: string, iface: string | undefined, image: string): KubeVipSetup {
  const file: BootstrapFile = {
    path: NODE_LAYOUT[bootstrap].manifest,
    owner: "root:root",
    permissions: "0644",
    content: renderKubeVipManifest(bootstrap, vip, iface, image),
  };
  if (bootstrap === "rke2") return { files: [file], preCommands: [], postCommands: [] };
  return {
    files: [file],
    preCommands: [SWAP("admin.conf", "super-admin.conf")],
    postCommands: [SWAP("super-admin.conf", "admin.conf")],
  };
}
