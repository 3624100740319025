// The link's messages as bytes: proto/agent.proto loaded with @grpc/proto-loader, whose loader
// options must produce the shapes the generator assumed (proto/gen): camelCase fields, 64-bit ints
// as numbers, enums as strings, defaults filled in and a virtual field naming the set case of each
// oneof. No grpc-js here: the cell (agent/cell/server.ts) encodes and decodes with this alone.
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import type { AgentMessage__Output } from "../../proto/gen/lattice/agent/v1/AgentMessage";
import type { CellMessage } from "../../proto/gen/lattice/agent/v1/CellMessage";

/** The protocol file. */
export const PROTO_FILE = path.resolve(__dirname, "..", "..", "proto", "agent.proto");

/** Keep in step with GEN_FLAGS in proto/generate.ts. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let definition: protoLoader.PackageDefinition | undefined;

/** The parsed protocol (once per process). */
export function packageDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
  return definition;
}

/** Protobuf encoding of Link.Connect's messages: the same (de)serializers grpc-js would use. */
export interface LinkCodec {
  /** AgentMessage bytes → object in the shapes of LOADER_OPTIONS; throws on bytes that do not decode. */
  decodeAgentMessage(bytes: Buffer): AgentMessage__Output;
  encodeCellMessage(msg: CellMessage): Buffer;
}

let codec: LinkCodec | undefined;

/** The codec of Link.Connect. */
export function linkCodec(): LinkCodec {
  if (!codec) {
    const method = (packageDefinition()["lattice.agent.v1.Link"] as protoLoader.ServiceDefinition).Connect!;
    codec = {
      decodeAgentMessage: (b) => method.requestDeserialize(b) as AgentMessage__Output,
      encodeCellMessage: (m) => method.responseSerialize(m),
    };
  }
  return codec;
}
