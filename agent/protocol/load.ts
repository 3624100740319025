// Loads proto/agent.proto at run time with @grpc/proto-loader and types it with the generated
// definitions in proto/gen (see proto/generate.ts). The loader options below must produce the
// shapes the generator assumed: camelCase fields, 64-bit ints as numbers, enums as strings,
// defaults filled in and a virtual field naming the set case of each oneof.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import type { ProtoGrpcType } from "../../proto/gen/agent";

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

/** The lattice.agent.v1 package: message types and the Link service. */
export type LinkPackage = ProtoGrpcType["lattice"]["agent"]["v1"];

let cached: LinkPackage | undefined;
let definition: protoLoader.PackageDefinition | undefined;

function packageDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
  return definition;
}

/** The loaded package (parsed once per process). */
export function linkPackage(): LinkPackage {
  cached ??= (grpc.loadPackageDefinition(packageDefinition()) as unknown as ProtoGrpcType).lattice.agent.v1;
  return cached;
}

/** Protobuf encoding of the stream's messages, for the cell's own HTTP/2 server (agent/cell/server.ts). */
export interface LinkCodec {
  /** AgentMessage bytes → object in the shapes of LOADER_OPTIONS; throws on bytes that do not decode. */
  decodeAgentMessage(bytes: Buffer): AgentMessage__Output;
  encodeCellMessage(msg: CellMessage): Buffer;
}

let codec: LinkCodec | undefined;

/** The codec of Link.Connect, the same (de)serializers grpc-js would use. */
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

import type { AgentMessage__Output } from "../../proto/gen/lattice/agent/v1/AgentMessage";
import type { CellMessage } from "../../proto/gen/lattice/agent/v1/CellMessage";

export type { AgentMessage, AgentMessage__Output } from "../../proto/gen/lattice/agent/v1/AgentMessage";
export type { CellMessage, CellMessage__Output } from "../../proto/gen/lattice/agent/v1/CellMessage";
export type { Command, Command__Output } from "../../proto/gen/lattice/agent/v1/Command";
export type { CommandResult, CommandResult__Output } from "../../proto/gen/lattice/agent/v1/CommandResult";
export type { Health, Health__Output } from "../../proto/gen/lattice/agent/v1/Health";
export type { Hello, Hello__Output } from "../../proto/gen/lattice/agent/v1/Hello";
export type { ObjectResult, ObjectResult__Output } from "../../proto/gen/lattice/agent/v1/ObjectResult";
export type { StatusReport, StatusReport__Output } from "../../proto/gen/lattice/agent/v1/StatusReport";
export type { LinkClient, LinkHandlers } from "../../proto/gen/lattice/agent/v1/Link";
export { Outcome } from "../../proto/gen/lattice/agent/v1/Outcome";
export { ObjectAction } from "../../proto/gen/lattice/agent/v1/ObjectAction";
