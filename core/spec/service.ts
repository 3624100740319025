// LatticeService: one workload and its half of every agreement. The schema checks each field; the
// refinement at the end checks what spans fields of the same document (a mount names a volume, an
// inbound declaration needs ports). Agreements between documents are checked by core/compile.
import { z } from "zod";
import {
  LATTICE_API_VERSION,
  documentMetadata,
  dnsLabel,
  dnsSubdomain,
  envName,
  portName,
  portNumber,
  quantity,
  serviceName,
  text,
  token,
  integer,
} from "./fields";

const direction = z.enum(["inbound", "outbound"]);

/** `type: service`: the key (or `id`) names another LatticeService, in `namespace` or this one. */
export const serviceDeclaration = z.strictObject({
  type: z.literal("service"),
  direction,
  namespace: dnsLabel.optional(),
  id: serviceName.optional(),
});

/** `type: external-service`: this service calls a LatticeExternalService (outbound only). */
export const externalServiceDeclaration = z.strictObject({
  type: z.literal("external-service"),
  direction: z.enum(["outbound"]),
  namespace: dnsLabel.optional(),
  id: serviceName.optional(),
});

/** `type: volume`: a private volume (no id), or a shared one: its owner gives params.size, consumers
 * give only the id. */
export const volumeDeclaration = z.strictObject({
  type: z.literal("volume"),
  id: dnsLabel.optional(),
  params: z
    .strictObject({
      size: quantity.optional(),
      storageClass: dnsSubdomain.optional(),
      accessMode: z.enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"]).optional(),
    })
    .optional(),
});

export const resourceDeclaration = z.discriminatedUnion("type", [
  serviceDeclaration,
  externalServiceDeclaration,
  volumeDeclaration,
]);

const probePort = z.union([portNumber, portName]);
const seconds = (max: number) => integer(0, max).optional();

const probe = z
  .strictObject({
    httpGet: z
      .strictObject({
        path: z.string().max(2048).regex(/^\//, { error: 'expected an absolute path starting with "/"' }),
        port: probePort,
        scheme: z.enum(["HTTP", "HTTPS"]).optional(),
      })
      .optional(),
    tcpSocket: z.strictObject({ port: probePort }).optional(),
    grpc: z.strictObject({ port: portNumber, service: text(256).optional() }).optional(),
    exec: z.strictObject({ command: z.array(text()).min(1).max(64) }).optional(),
    initialDelaySeconds: seconds(3600),
    periodSeconds: seconds(3600),
    timeoutSeconds: seconds(3600),
    failureThreshold: seconds(1000),
    successThreshold: seconds(1000),
  })
  .superRefine((p, ctx) => {
    const handlers = (["httpGet", "tcpSocket", "grpc", "exec"] as const).filter((h) => p[h] !== undefined);
    if (handlers.length !== 1)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `expected exactly one of httpGet, tcpSocket, grpc, exec, got ${handlers.length === 0 ? "none" : handlers.join(" and ")}`,
      });
  });

const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

const mountPath = z
  .string()
  .max(1024)
  .regex(/^\/(?!.*(^|\/)\.\.(\/|$))[^\0]*$/, { error: 'expected an absolute path without ".."' });

const volumeMount = z.strictObject({
  // The key of a `type: volume` entry in spec.resources; Score's "${resources.<key>}" is accepted too.
  source: z.string().max(80),
  path: z
    .string()
    .max(1024)
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, { error: 'expected a relative path without ".."' })
    .optional(),
  readOnly: z.boolean().optional(),
});

export const container = z.strictObject({
  image: token(1024),
  command: z.array(text()).max(256).optional(),
  args: z.array(text()).max(256).optional(),
  variables: z.record(envName, z.union([text(32768), z.number(), z.boolean()])).optional(),
  resources: z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
  volumes: z.record(mountPath, volumeMount).optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: probe.optional(),
});

export const servicePort = z.strictObject({
  port: portNumber,
  targetPort: portNumber.optional(),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
});

const serviceSpec = z.strictObject({
  replicas: integer(0, 10000).optional(),
  containers: z.record(dnsLabel, container),
  service: z.strictObject({ ports: z.record(portName, servicePort) }).optional(),
  resources: z.record(dnsLabel, resourceDeclaration).optional(),
  // How long `up` waits for the rollout (every replica of the new template ready) before failing;
  // 600 s when absent. Read by the deploy, not compiled into any object.
  rollout: z.strictObject({ timeoutSeconds: integer(1, 86400).optional() }).optional(),
});

export const latticeServiceSchema = z
  .strictObject({
    apiVersion: z.literal(LATTICE_API_VERSION),
    kind: z.literal("LatticeService"),
    metadata: documentMetadata(serviceName),
    spec: serviceSpec,
  })
  .superRefine((doc, ctx) => checkService(doc.spec, doc.metadata.namespace ?? "", ctx));

/** A validated LatticeService document. */
export type LatticeService = z.output<typeof latticeServiceSchema>;
export type ServiceSpec = LatticeService["spec"];
export type ResourceDeclaration = z.output<typeof resourceDeclaration>;
export type ServiceDeclaration = z.output<typeof serviceDeclaration>;
export type ExternalServiceDeclaration = z.output<typeof externalServiceDeclaration>;
export type VolumeDeclaration = z.output<typeof volumeDeclaration>;
export type Container = z.output<typeof container>;
export type Probe = z.output<typeof probe>;
export type ServicePort = z.output<typeof servicePort>;

/** The resource key a mount's `source` names ("media" or Score's "${resources.media}"). */
export function mountSourceKey(source: string): string {
  const m = /^\$\{resources\.([^}]+)\}$/.exec(source);
  return m?.[1] ?? source;
}

// Limits that keep one document's cost bounded (and a fuzzer honest).
const MAX_CONTAINERS = 32;
const MAX_PORTS = 128;
const MAX_RESOURCES = 1024;

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: PropertyKey[], message: string): void {
  ctx.addIssue({ code: "custom", path: ["spec", ...path], message });
}

function checkService(spec: ServiceSpec, namespace: string, ctx: Ctx): void {
  const containers = Object.entries(spec.containers);
  const ports = Object.entries(spec.service?.ports ?? {});
  const resources = Object.entries(spec.resources ?? {});
  if (containers.length === 0) issue(ctx, ["containers"], "expected at least one container");
  if (containers.length > MAX_CONTAINERS) issue(ctx, ["containers"], `expected at most ${MAX_CONTAINERS} containers`);
  if (spec.service && ports.length === 0) issue(ctx, ["service", "ports"], "expected at least one port");
  if (ports.length > MAX_PORTS) issue(ctx, ["service", "ports"], `expected at most ${MAX_PORTS} ports`);
  if (resources.length > MAX_RESOURCES) issue(ctx, ["resources"], `expected at most ${MAX_RESOURCES} entries`);

  // Ports: one Service port per number+protocol, one container port per targetPort+protocol.
  const seenPort = new Map<string, string>();
  const seenTarget = new Map<string, string>();
  for (const [name, p] of ports) {
    const proto = p.protocol ?? "TCP";
    const k = `${p.port}/${proto}`;
    const t = `${p.targetPort ?? p.port}/${proto}`;
    const prev = seenPort.get(k);
    if (prev) issue(ctx, ["service", "ports", name, "port"], `port ${k} is also used by port "${prev}"`);
    else seenPort.set(k, name);
    const prevT = seenTarget.get(t);
    if (prevT && !prev)
      issue(ctx, ["service", "ports", name, "targetPort"], `target port ${t} is also used by port "${prevT}"`);
    else seenTarget.set(t, name);
  }

  // Declarations: one per (type, target, direction); inbound needs ports to admit callers on.
  const seenTarget2 = new Map<string, string>();
  const volumeIds = new Map<string, string>();
  // Without an id or namespace, each declaration's target is its own (unique) key: only entries
  // that rename their target can collide, and only then is every target compared.
  const renamed = resources.some(([, r]) => r.type !== "volume" && (r.id !== undefined || r.namespace !== undefined));
  for (const [key, r] of resources) {
    if (r.type === "volume") {
      const size = r.params?.size;
      if (r.id === undefined && size === undefined)
        issue(
          ctx,
          ["resources", key, "params", "size"],
          "missing required field: a volume without an id is private to this service and needs a size",
        );
      if (r.id !== undefined && size === undefined) {
        for (const f of ["storageClass", "accessMode"] as const)
          if (r.params?.[f] !== undefined)
            issue(
              ctx,
              ["resources", key, "params", f],
              `only the owner of volume ${r.id} (the declaration with params.size) sets ${f}`,
            );
      }
      if (r.id !== undefined) {
        const prev = volumeIds.get(r.id);
        if (prev) issue(ctx, ["resources", key, "id"], `volume ${r.id} is already declared by spec.resources.${prev}`);
        else volumeIds.set(r.id, key);
      }
      continue;
    }
    if (renamed) {
      const target = `${r.type} ${r.namespace ?? namespace}/${r.id ?? key} ${r.direction}`;
      const prev = seenTarget2.get(target);
      if (prev) issue(ctx, ["resources", key], `declares the same ${r.direction} ${r.type} as spec.resources.${prev}`);
      else seenTarget2.set(target, key);
    }
    if (r.type === "service" && r.direction === "inbound" && ports.length === 0)
      issue(
        ctx,
        ["resources", key],
        "an inbound declaration needs spec.service.ports (the ports callers are admitted on)",
      );
  }

  // Mounts name volumes of this document; probes by name name a port.
  const portNames = new Set(ports.map(([n]) => n));
  for (const [cname, c] of containers) {
    for (const [mount, v] of Object.entries(c.volumes ?? {})) {
      const key = mountSourceKey(v.source);
      if (spec.resources?.[key]?.type !== "volume")
        issue(
          ctx,
          ["containers", cname, "volumes", mount, "source"],
          `"${v.source}" is not a volume in spec.resources`,
        );
    }
    for (const pk of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
      const p = c[pk];
      const named = p?.httpGet?.port ?? p?.tcpSocket?.port;
      if (typeof named === "string" && !portNames.has(named))
        issue(
          ctx,
          ["containers", cname, pk, p?.httpGet ? "httpGet" : "tcpSocket", "port"],
          `"${named}" is not a port in spec.service.ports`,
        );
    }
  }
}
