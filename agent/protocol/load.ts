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

/** The loaded package (parsed once per process). */
export function linkPackage(): LinkPackage {
  if (!cached) {
    const def = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
    cached = (grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType).lattice.agent.v1;
  }
  return cached;
}

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
