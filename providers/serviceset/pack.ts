// The members' documents as one compact string in a set's state: refresh (read) gets only the
// state and must compile the documents to compare them with the cluster. Deflated JSON in base64:
// documents of one mesh repeat each other, so this costs a tenth of storing them as they are.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { MemberDocument } from "./plan";

/** Documents by member ("namespace/name") → one string. */
export function packDocuments(docs: Readonly<Record<string, MemberDocument>>): string {
  return deflateRawSync(Buffer.from(JSON.stringify(docs)), { level: 9 }).toString("base64");
}

/** The documents packDocuments packed ({} for an empty string). */
export function unpackDocuments(packed: string): Record<string, MemberDocument> {
  if (!packed) return {};
  return JSON.parse(inflateRawSync(Buffer.from(packed, "base64")).toString("utf8")) as Record<string, MemberDocument>;
}
