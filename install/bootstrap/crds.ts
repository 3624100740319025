// The upstream CRD schemas the installer and the test bed install, by set: pinned components. They
// are read at run time from the Go module cache (`go mod download` fetches a module zip from the
// proxy once; an air-gapped host pre-fills GOMODCACHE), never copied into the repository, so what is
// installed is exactly what upstream publishes at the pinned version.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../../core/k8s/object";

/** A named group of CRDs a test or the local environment asks for. */
export type CrdSet =
  | "capi-core" // Cluster API v1.14.2 core (cluster.x-k8s.io, addons, ipam, runtime)
  | "capi-kubeadm" // KubeadmControlPlane + KubeadmConfig(Template), v1beta2
  | "clusterctl" // clusterctl's Provider and Metadata (the inventory `move` needs)
  | "capd" // Docker/Dev infrastructure kinds from sigs.k8s.io/cluster-api/test v1.14.4
  | "capa" // Cluster API Provider AWS v2.13.0
  | "cilium" // CiliumNetworkPolicy + CiliumClusterwideNetworkPolicy, Cilium v1.20.2
  | "istio" // AuthorizationPolicy, ServiceEntry, PeerAuthentication, Sidecar, Istio v1.31.4
  | "gateway-api"; // Gateway API v1.6.2 standard channel

interface CrdSource {
  readonly module: string;
  readonly version: string;
  /** Directories or files inside the module. */
  readonly paths: readonly string[];
  /** Only these kinds (spec.names.kind); all CRDs in the paths when absent. */
  readonly kinds?: readonly string[];
  /**
   * The clusterctl provider each path belongs to (cluster.x-k8s.io/provider, clusterctl's
   * ManifestLabel: "cluster-api", "bootstrap-kubeadm", "infrastructure-docker", …); absent for sets
   * that are not Cluster API providers.
   */
  readonly providers?: readonly string[];
}

/** Every CRD set: which module, version and paths it comes from. */
export const CRD_SETS: Readonly<Record<CrdSet, CrdSource>> = {
  "capi-core": {
    module: "sigs.k8s.io/cluster-api",
    version: "v1.14.2",
    paths: ["core/config/crd/bases"],
    providers: ["cluster-api"],
  },
  "capi-kubeadm": {
    module: "sigs.k8s.io/cluster-api",
    version: "v1.14.2",
    paths: ["controlplane/kubeadm/config/crd/bases", "bootstrap/kubeadm/config/crd/bases"],
    providers: ["control-plane-kubeadm", "bootstrap-kubeadm"],
  },
  clusterctl: { module: "sigs.k8s.io/cluster-api", version: "v1.14.2", paths: ["cmd/clusterctl/config/crd/bases"] },
  capd: {
    module: "sigs.k8s.io/cluster-api/test",
    version: "v1.14.4",
    paths: ["infrastructure/docker/config/crd/bases"],
    providers: ["infrastructure-docker"],
  },
  capa: {
    module: "sigs.k8s.io/cluster-api-provider-aws/v2",
    version: "v2.13.0",
    paths: ["config/crd/bases"],
    providers: ["infrastructure-aws"],
  },
  cilium: {
    module: "github.com/cilium/cilium",
    version: "v1.20.2",
    paths: [
      "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml",
      "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumclusterwidenetworkpolicies.yaml",
    ],
  },
  istio: {
    module: "istio.io/api",
    version: "v1.31.4",
    paths: ["kubernetes/customresourcedefinitions.gen.yaml"],
    kinds: ["AuthorizationPolicy", "ServiceEntry", "PeerAuthentication", "Sidecar"],
  },
  "gateway-api": { module: "sigs.k8s.io/gateway-api", version: "v1.6.2", paths: ["config/crd/standard"] },
};

const moduleDirs = new Map<string, string>();

/** The module's directory in the Go module cache, downloading the zip from the proxy if needed. */
export function moduleDir(module: string, version: string): string {
  const id = `${module}@${version}`;
  const cached = moduleDirs.get(id);
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync("go", ["mod", "download", "-json", id], {
      cwd: os.tmpdir(), // outside any go.mod
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`cannot get CRD module ${id} from the Go module proxy: ${err.stdout || err.stderr || String(e)}`);
  }
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${id}: ${info.Error ?? "no directory"}`);
  moduleDirs.set(id, info.Dir);
  return info.Dir;
}

function yamlFiles(p: string): string[] {
  if (/\.ya?ml$/.test(p)) return [p];
  return readdirSync(p)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(p, f));
}

/**
 * The labels kustomize would add to a `config/crd/bases` directory's CRDs, from the sibling
 * `config/crd/kustomization.yaml` (`labels[].pairs` or `commonLabels`). Cluster API finds which
 * API version of a provider implements which contract through these labels
 * (cluster.x-k8s.io/<contract>: <versions>), so installing bare bases would break it.
 */
function kustomizeLabels(crdDir: string): Record<string, string> {
  if (path.basename(crdDir) !== "bases") return {};
  const file = path.join(crdDir, "..", "kustomization.yaml");
  if (!existsSync(file)) return {};
  const k = parse(readFileSync(file, "utf8")) as {
    labels?: { pairs?: Record<string, string> }[];
    commonLabels?: Record<string, string>;
  };
  return Object.assign({}, k.commonLabels, ...(k.labels ?? []).map((l) => l.pairs ?? {}));
}

export interface LoadCrdsOptions {
  /**
   * Label provider CRDs as `clusterctl init` does (clusterctl.cluster.x-k8s.io: "" and
   * cluster.x-k8s.io/provider: <provider>): what `clusterctl move` and `lattice pivot` discover.
   */
  clusterctlLabels?: boolean;
}

/** The CRD objects of the given sets (deduplicated by name, in a stable order). */
export function loadCrds(sets: readonly CrdSet[], opts: LoadCrdsOptions = {}): KubeObject[] {
  const byName = new Map<string, KubeObject>();
  for (const set of sets) {
    const src = CRD_SETS[set];
    const dir = moduleDir(src.module, src.version);
    for (const [i, p] of src.paths.entries()) {
      const provider = src.providers?.[i];
      const labels = {
        ...kustomizeLabels(path.join(dir, p)),
        ...(opts.clusterctlLabels && provider
          ? { "clusterctl.cluster.x-k8s.io": "", "cluster.x-k8s.io/provider": provider }
          : {}),
      };
      for (const file of yamlFiles(path.join(dir, p))) {
        for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
          const obj = doc.toJS() as KubeObject | null;
          if (!obj || obj.kind !== "CustomResourceDefinition") continue;
          const kind = (obj.spec as { names: { kind: string } }).names.kind;
          if (src.kinds && !src.kinds.includes(kind)) continue;
          if (Object.keys(labels).length) obj.metadata.labels = { ...obj.metadata.labels, ...labels };
          byName.set(obj.metadata.name, obj);
        }
      }
    }
  }
  return [...byName.values()];
}
