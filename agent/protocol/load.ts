// The link protocol for grpc-js clients (the agent): proto/agent.proto loaded with
// @grpc/proto-loader (codec.ts) and typed with the generated definitions in proto/gen (see
// proto/generate.ts). The cell imports codec.ts only: it serves the protocol on node:http2 and
// never loads grpc-js (~12 MiB less of every cell process).
import * as grpc from "@grpc/grpc-js";
import type { ProtoGrpcType } from "../../proto/gen/agent";
import { packageDefinition } from "./codec";

export { PROTO_FILE, LOADER_OPTIONS } from "./codec";

/** The lattice.agent.v1 package: message types and the Link service. */
export type LinkPackage = ProtoGrpcType["lattice"]["agent"]["v1"];

let cached: LinkPackage | undefined;

/** The loaded package (parsed once per process). */
export function linkPackage(): LinkPackage {
  cached ??= (grpc.loadPackageDefinition(packageDefinition()) as unknown as ProtoGrpcType).lattice.agent.v1;
  return cached;
}

export { linkCodec, type LinkCodec } from "./codec";

export type { AgentMessage, AgentMessage__Output } from "../../proto/gen/lattice/agent/v1/AgentMessage";
export type { CellMessage, CellMessage__Output } from "../../proto/gen/lattice/agent/v1/CellMessage";
export type { Command, Command__Output } from "../../proto/gen/lattice/agent/v1/Command";
export type { CommandResult, CommandResult__Output } from "../../proto/gen/lattice/agent/v1/CommandResult";
export type { Health, Health__Output } from "../../proto/gen/lattice/agent/v1/Health";
export type { Hello, Hello__Output } from "../../proto/gen/lattice/agent/v1/Hello";
export type { ObjectResult, ObjectResult__Output } from "../../proto/gen/lattice/agent/v1/ObjectResult";
export type { PivotStep, PivotStep__Output } from "../../proto/gen/lattice/agent/v1/PivotStep";
export type { StatusReport, StatusReport__Output } from "../../proto/gen/lattice/agent/v1/StatusReport";
export type { LinkClient, LinkHandlers } from "../../proto/gen/lattice/agent/v1/Link";
export { Outcome } from "../../proto/gen/lattice/agent/v1/Outcome";
export { ObjectAction } from "../../proto/gen/lattice/agent/v1/ObjectAction";
