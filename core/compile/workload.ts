// A service's workload: ServiceAccount (its identity), Deployment, Service (for spec.service.ports) and
// a PersistentVolumeClaim per volume it owns. Volume consumers are scheduled onto the owner's node by
// pod affinity on the owner's volume label; callers of external services carry an intent label.
import {
  deployment,
  persistentVolumeClaim,
  service,
  serviceAccount,
  type ContainerPort,
  type ContainerSpec,
  type EnvVar,
  type PodAffinityTerm,
  type PodSpec,
  type ProbeSpec,
  type ServicePortSpec,
} from "../k8s/builders";
import type { KubeObject, StringMap } from "../k8s/object";
import type { Container, LatticeService, Probe } from "../spec";
import { mountSourceKey } from "../spec";
import type { ServiceContext } from "./context";
import type { Declared } from "./declared";
import {
  EGRESS_INTENT_VALUE,
  LABELS,
  MANAGED_BY,
  VOLUME_OWNER_VALUE,
  serviceAccountName,
  volumeOwnerLabel,
} from "./identity";
import { quantityText } from "./volumes";

/** The pod labels: identity, plus an intent label per external service called, plus an owner label
 * per shared volume owned (both sorted, so declaration order does not matter). */
export function podLabelsOf(name: string, declared: Declared): StringMap {
  const labels: Record<string, string> = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.appName]: name,
    [LABELS.service]: name,
  };
  const { externals, volumes } = declared;
  for (let i = 0; i < externals.length; i++) labels[externals[i] as string] = EGRESS_INTENT_VALUE;
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i] as Declared["volumes"][number];
    if (v.role === "owner") labels[volumeOwnerLabel(v.id as string)] = VOLUME_OWNER_VALUE;
  }
  return labels;
}

function probeOf(p: Probe, ports: readonly ServicePortSpec[]): ProbeSpec {
  // A probe may name a Service port; the pod gets its target port (validation checked the name).
  const port = (x: number | string) => (typeof x === "number" ? x : (ports.find((q) => q.name === x)?.targetPort ?? 0));
  const out: ProbeSpec = {};
  if (p.httpGet) {
    out.httpGet = { path: p.httpGet.path, port: port(p.httpGet.port) };
    if (p.httpGet.scheme) out.httpGet.scheme = p.httpGet.scheme;
  }
  if (p.tcpSocket) out.tcpSocket = { port: port(p.tcpSocket.port) };
  if (p.grpc)
    out.grpc = p.grpc.service === undefined ? { port: p.grpc.port } : { port: p.grpc.port, service: p.grpc.service };
  if (p.exec) out.exec = { command: [...p.exec.command] };
  if (p.initialDelaySeconds !== undefined) out.initialDelaySeconds = p.initialDelaySeconds;
  if (p.periodSeconds !== undefined) out.periodSeconds = p.periodSeconds;
  if (p.timeoutSeconds !== undefined) out.timeoutSeconds = p.timeoutSeconds;
  if (p.failureThreshold !== undefined) out.failureThreshold = p.failureThreshold;
  if (p.successThreshold !== undefined) out.successThreshold = p.successThreshold;
  return out;
}

function containerOf(
  name: string,
  c: Container,
  ports: ContainerPort[] | undefined,
  servicePorts: readonly ServicePortSpec[],
): ContainerSpec {
  const out: ContainerSpec = { name, image: c.image };
  if (c.command) out.command = [...c.command];
  if (c.args) out.args = [...c.args];
  if (c.variables) {
    const vars = c.variables;
    const env: EnvVar[] = [];
    for (const k in vars) env.push({ name: k, value: String(vars[k]) });
    out.env = env;
  }
  if (ports !== undefined && ports.length > 0) out.ports = ports;
  if (c.resources) {
    const r: NonNullable<ContainerSpec["resources"]> = {};
    if (c.resources.requests) r.requests = quantitiesOf(c.resources.requests);
    if (c.resources.limits) r.limits = quantitiesOf(c.resources.limits);
    out.resources = r;
  }
  if (c.volumes) {
    const mounts = c.volumes;
    out.volumeMounts = Object.keys(mounts).map((mountPath) => {
      const m = mounts[mountPath] as NonNullable<(typeof mounts)[string]>;
      const vm: NonNullable<ContainerSpec["volumeMounts"]>[number] = { name: mountSourceKey(m.source), mountPath };
      if (m.path !== undefined) vm.subPath = m.path;
      if (m.readOnly !== undefined) vm.readOnly = m.readOnly;
      return vm;
    });
  }
  if (c.livenessProbe) out.livenessProbe = probeOf(c.livenessProbe, servicePorts);
  if (c.readinessProbe) out.readinessProbe = probeOf(c.readinessProbe, servicePorts);
  if (c.startupProbe) out.startupProbe = probeOf(c.startupProbe, servicePorts);
  return out;
}

function quantitiesOf(l: { cpu?: string | number | undefined; memory?: string | number | undefined }): {
  cpu?: string;
  memory?: string;
} {
  const q: { cpu?: string; memory?: string } = {};
  if (l.cpu !== undefined) q.cpu = quantityText(l.cpu);
  if (l.memory !== undefined) q.memory = quantityText(l.memory);
  return q;
}

/** Compile a service's workload objects (unsorted; the caller sorts). */
export function compileWorkload(doc: LatticeService, ctx: ServiceContext): KubeObject[] {
  const { name, namespace } = ctx;
  const volumes = ctx.declared.volumes;
  const ports = ctx.ports;
  // This runs once per service (10,000 times in bench:compile, mostly before V8 optimizes it): arrays
  // are built by push, not map/filter (mapped arrays got another elements kind in optimized code,
  // which deoptimized this function), and loops are indexed (for-of allocates an iterator and a
  // result object per element in unoptimized code).
  const containerPorts = ctx.portSet.container;

  // Ports are declared on the first container: Kubernetes only uses them for naming, and a service's
  // first container is its main one by convention.
  const containers: ContainerSpec[] = [];
  for (const n in doc.spec.containers)
    containers.push(
      containerOf(n, doc.spec.containers[n] as Container, containers.length === 0 ? containerPorts : undefined, ports),
    );
  const pod: PodSpec = { serviceAccountName: serviceAccountName(name), containers };
  if (volumes.length > 0) {
    pod.volumes = volumes.map((v) => ({ name: v.key, persistentVolumeClaim: { claimName: v.claimName } }));
    const affinity: PodAffinityTerm[] = volumes
      .filter((v) => v.role === "consumer")
      .map((v) => ({
        labelSelector: { matchLabels: { [volumeOwnerLabel(v.id as string)]: VOLUME_OWNER_VALUE } },
        topologyKey: "kubernetes.io/hostname",
      }));
    if (affinity.length > 0)
      pod.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: affinity } };
  }

  const out: KubeObject[] = [
    // Pods never call the Kubernetes API through Lattice (egress to it is not declarable), so no token.
    serviceAccount(ctx.meta, false),
    deployment(ctx.meta, {
      replicas: doc.spec.replicas ?? 1,
      selector: ctx.selector,
      podLabels: podLabelsOf(name, ctx.declared),
      pod,
    }),
  ];
  if (ports.length > 0) out.push(service(ctx.meta, ctx.selector, ports));
  for (const v of volumes) {
    if (v.role === "consumer") continue;
    const params = v.decl.params ?? {};
    const claim: Parameters<typeof persistentVolumeClaim>[1] = {
      size: quantityText(params.size as string | number),
      accessMode: params.accessMode ?? "ReadWriteOnce",
    };
    if (params.storageClass !== undefined) claim.storageClass = params.storageClass;
    out.push(
      persistentVolumeClaim(
        v.claimName === name ? ctx.meta : { name: v.claimName, namespace, labels: ctx.ownership },
        claim,
      ),
    );
  }
  return out;
}
