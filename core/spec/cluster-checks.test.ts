// The LatticeCluster rules its Cluster API manifests depend on, reported as spec errors.
import { formatSpecError, loadDocuments } from ".";

function errorsOf(spec: Record<string, unknown>): string[] {
  const doc = { apiVersion: "lattice.dev/v1alpha1", kind: "LatticeCluster", metadata: { name: "c" }, spec };
  return loadDocuments([{ file: "c.yaml", text: JSON.stringify(doc) }]).errors.map(formatSpecError);
}

const proxmox = {
  endpoint: "https://pve.example:8006",
  node: "pve1",
  template_id: 9000,
  cp_cores: 2,
  cp_memory_mib: 4096,
  worker_cores: 2,
  worker_memory_mib: 4096,
  disk_gib: 40,
  bridge: "vmbr0",
  ip_pool: { addresses: ["10.0.0.10-10.0.0.20"], prefix: 24, gateway: "10.0.0.1" },
  dns_servers: ["10.0.0.1"],
  control_plane_vip: "10.0.0.5",
  credentials_secret_ref: { name: "pve" },
};
const spec = (kubernetes: object, config: object, workers?: object) => ({
  provider: { kubernetes, config },
  nodes: { controlPlane: { replicas: 1 }, ...(workers ? { workers } : {}) },
});

describe("LatticeCluster rules for Cluster API", () => {
  it("accepts matching versions", () => {
    expect(errorsOf(spec({ version: "1.32.0", bootstrap: "kubeadm" }, { docker: {} }))).toEqual([]);
    expect(errorsOf(spec({ version: "v1.32.4+rke2r1", bootstrap: "rke2" }, { docker: {} }))).toEqual([]);
  });

  it("wants an RKE2 release for rke2 and a plain release for kubeadm", () => {
    expect(errorsOf(spec({ version: "1.32.0", bootstrap: "rke2" }, { docker: {} }))).toEqual([
      'c.yaml#1: spec.provider.kubernetes.version: rke2 needs an RKE2 release such as "v1.32.4+rke2r1", got "1.32.0"',
    ]);
    expect(errorsOf(spec({ version: "v1.32.4+rke2r1", bootstrap: "kubeadm" }, { docker: {} }))).toEqual([
      'c.yaml#1: spec.provider.kubernetes.version: kubeadm needs a Kubernetes release such as "1.32.0" (no build suffix), got "v1.32.4+rke2r1"',
    ]);
  });

  it("wants Proxmox memory in multiples of 8 MiB", () => {
    expect(
      errorsOf(
        spec(
          { version: "1.32.0", bootstrap: "kubeadm" },
          { proxmox: { ...proxmox, cp_memory_mib: 4100 } },
          { big: { replicas: 1, memoryMib: 1001 } },
        ),
      ),
    ).toEqual([
      "c.yaml#1: spec.nodes.workers.big.memoryMib: expected a multiple of 8 (CAPMOX sizes memory in 8 MiB steps), got 1001",
      "c.yaml#1: spec.provider.config.proxmox.cp_memory_mib: expected a multiple of 8 (CAPMOX sizes memory in 8 MiB steps), got 4100",
    ]);
  });

  it("refuses node labels a kubelet would refuse, and the pool label Lattice sets", () => {
    const workers = [
      {
        name: "p",
        replicas: 1,
        labels: {
          "node-role.kubernetes.io/worker": "",
          "lattice.dev/pool": "x",
          team: "a,b",
          "node.kubernetes.io/tier": "ok",
          "example.com/ok": "yes",
        },
      },
    ];
    expect(errorsOf(spec({ version: "1.32.0", bootstrap: "kubeadm" }, { docker: {} }, workers))).toEqual([
      'c.yaml#1: spec.nodes.workers[0].labels.team: expected a label value (letters, digits, "-", "_", "." inside), got "a,b"',
      'c.yaml#1: spec.nodes.workers[0].labels["lattice.dev/pool"]: is set by Lattice to the pool\'s name',
      'c.yaml#1: spec.nodes.workers[0].labels["node-role.kubernetes.io/worker"]: kubelets may not set labels under kubernetes.io or k8s.io (except node.kubernetes.io/ and kubelet.kubernetes.io/)',
    ]);
  });
});
