// Field schemas shared by the three kinds: names as Kubernetes validates them, quantities, ports,
// secret references. Each carries the message a user sees (the formatter appends ", got <value>").
import { z } from "zod";

// Upper bounds on every string keep a hostile document from costing more than it is worth to reject.
const MAX_TEXT = 4096;

/** An RFC 1123 label: namespaces, container names, resource keys, volume ids. */
export const dnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'expected a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
  });

/** An RFC 1035 label: the names of services, which become Service, ServiceAccount and label values. */
export const serviceName = z
  .string()
  .max(63)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
    error:
      'expected a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit)',
  });

/** An RFC 1123 subdomain: secret names. */
export const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: 'expected a DNS subdomain (lowercase letters, digits, "-" and ".")',
  });

/** A port name (IANA_SVC_NAME): it names both the Service port and the container port. */
export const portName = z
  .string()
  .max(15)
  .regex(/^(?!.*--)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'expected a port name (at most 15 lowercase letters, digits and "-", with at least one letter)',
  });

/** An integer within bounds; says "an integer" rather than "a number" when given something else. */
export const integer = (min: number, max: number) =>
  z
    .int({ error: (iss) => (iss.code === "invalid_type" ? "expected an integer" : undefined) })
    .min(min)
    .max(max);

/** A TCP/UDP port number. */
export const portNumber = integer(1, 65535);

/** An environment variable name as Kubernetes accepts it. */
export const envName = z
  .string()
  .max(256)
  .regex(/^(?!__proto__$)[-._a-zA-Z][-._a-zA-Z0-9]*$/, {
    error: 'expected an environment variable name (letters, digits, "_", "-", "."; not starting with a digit)',
  });

const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

/** A resource quantity ("500m", "1Gi", or a plain number such as 2 or 0.5). */
export const quantity = z.union([
  z.string().max(64).regex(QUANTITY, { error: 'expected a quantity such as "500m", "2" or "1Gi"' }),
  z.number().nonnegative(),
]);

/** Free text with an upper bound (images, commands, values). */
export const text = (max = MAX_TEXT) => z.string().max(max);

/** A non-empty string without whitespace (images, hosts). */
export const token = (max = 1024) =>
  z.string().min(1).max(max).regex(/^\S+$/, { error: "expected a value without spaces" });

/** A reference to a Kubernetes Secret holding credentials. */
export const secretRef = z.strictObject({
  name: dnsSubdomain,
  namespace: dnsLabel.optional(),
});

/** A label or annotation key: an optional DNS-subdomain prefix and "/", then a name. */
export const labelKey = z
  .string()
  .max(317)
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    {
      error: 'expected a label key such as "team" or "example.com/team"',
    },
  );

/**
 * The one annotation Lattice reads from a document: "true" lets its objects take over existing
 * objects of the same name that Lattice did not create (otherwise an error names them).
 */
export const ADOPT_ANNOTATION = "lattice.dev/adopt";

/** metadata of a Lattice document. Labels and annotations are accepted for tooling; they are not copied
 * onto compiled objects (those carry Lattice's own ownership labels). Of the annotations only
 * ADOPT_ANNOTATION means something to Lattice, and it must be "true" or "false". */
export const documentMetadata = (name: z.ZodString) =>
  z.strictObject({
    name,
    namespace: dnsLabel.optional(),
    labels: z.record(labelKey, z.string().max(63)).optional(),
    annotations: z
      .record(labelKey, z.string().max(MAX_TEXT))
      .optional()
      .superRefine((annotations, ctx) => {
        const v = annotations?.[ADOPT_ANNOTATION];
        if (v !== undefined && v !== "true" && v !== "false")
          ctx.addIssue({ code: "custom", path: [ADOPT_ANNOTATION], input: v, message: 'expected "true" or "false"' });
      }),
  });

/** Whether a document adopts existing objects (its ADOPT_ANNOTATION is "true"). */
export function adoptsExisting(doc: { metadata: { annotations?: Readonly<Record<string, string>> } }): boolean {
  return doc.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
}

/** The one apiVersion of every Lattice kind in this release. */
export const LATTICE_API_VERSION = "lattice.dev/v1alpha1";
