// LatticeExternalService: something outside the cluster (an API, a database) that named Lattice
// services may call. Its document lists the endpoints and who may call them; each caller declares
// `type: external-service, direction: outbound` on its own side.
import { z } from "zod";
import { parseEndpoint } from "./endpoint";
import { LATTICE_API_VERSION, documentMetadata, dnsLabel, serviceName } from "./fields";

const endpoint = z
  .string()
  .max(2048)
  .superRefine((s, ctx) => {
    const r = parseEndpoint(s);
    if (!r.ok)
      ctx.addIssue({
        code: "custom",
        message: `${r.error}, got ${JSON.stringify(s.length > 60 ? s.slice(0, 57) + "..." : s)}`,
      });
  });

/** "payment-service" (this namespace) or "shop/payment-service". */
const requester = z
  .string()
  .max(127)
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'expected a service name or "namespace/name"',
  });

const MAX_ENDPOINTS = 64;
const MAX_REQUESTERS = 1024;

const externalSpec = z.strictObject({
  endpoints: z.record(dnsLabel, endpoint),
  allowed_requesters: z.array(requester).max(MAX_REQUESTERS).optional(),
  allowedRequesters: z.array(requester).max(MAX_REQUESTERS).optional(),
});

export const latticeExternalServiceSchema = z
  .strictObject({
    apiVersion: z.literal(LATTICE_API_VERSION),
    kind: z.literal("LatticeExternalService"),
    metadata: documentMetadata(serviceName),
    spec: externalSpec,
  })
  .superRefine((doc, ctx) => {
    const s = doc.spec;
    const n = Object.keys(s.endpoints).length;
    if (n === 0)
      ctx.addIssue({ code: "custom", path: ["spec", "endpoints"], message: "expected at least one endpoint" });
    if (n > MAX_ENDPOINTS)
      ctx.addIssue({
        code: "custom",
        path: ["spec", "endpoints"],
        message: `expected at most ${MAX_ENDPOINTS} endpoints`,
      });
    if (s.allowed_requesters && s.allowedRequesters)
      ctx.addIssue({
        code: "custom",
        path: ["spec", "allowedRequesters"],
        message: "give allowed_requesters or allowedRequesters, not both",
      });
    const list = s.allowed_requesters ?? s.allowedRequesters ?? [];
    const field = s.allowed_requesters ? "allowed_requesters" : "allowedRequesters";
    const ns = doc.metadata.namespace ?? "";
    const seen = new Set<string>();
    list.forEach((r, i) => {
      const full = r.includes("/") ? r : `${ns}/${r}`;
      if (seen.has(full)) ctx.addIssue({ code: "custom", path: ["spec", field, i], message: `"${r}" is listed twice` });
      seen.add(full);
    });
  });

/** A validated LatticeExternalService document. */
export type LatticeExternalService = z.output<typeof latticeExternalServiceSchema>;

/** The allowed requesters however they were spelled (allowed_requesters or allowedRequesters). */
export function requestersOf(doc: LatticeExternalService): readonly string[] {
  return doc.spec.allowed_requesters ?? doc.spec.allowedRequesters ?? [];
}

/** The field that holds the requesters, for error paths and explanations. */
export function requestersField(doc: LatticeExternalService): "allowed_requesters" | "allowedRequesters" {
  return doc.spec.allowedRequesters && !doc.spec.allowed_requesters ? "allowedRequesters" : "allowed_requesters";
}
