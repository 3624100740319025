// The memory floor of a link (bench:link --floor): a plain Node HTTP/2 server with the link's
// mutual TLS (the same FIPS options, CA and certificates), holding one stream per agent and doing
// nothing else. It answers each stream with the response headers and one Welcome, so the real
// agents of the benchmark count as connected; what they send afterwards is read and dropped. What
// a connection costs here is what Node's TLS and HTTP/2 cost: the cell's per-agent memory, less
// this, is what Lattice adds (docs/architecture.md).
//
//   node link-floor.js --ca-file F --cert-file F --key-file F --port P
//   stdout: {"type":"ready","port":P}, then {"type":"stats","streams":N,"rssMiB":…} every 5 s
import * as http2 from "node:http2";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { linkCodec } from "../agent/protocol/codec";
import { FIPS_TLS } from "../agent/protocol/tls";
import { RESPONSE_HEADERS, frame } from "../agent/cell/grpc-frame";

const { values: a } = parseArgs({
  options: {
    "ca-file": { type: "string" },
    "cert-file": { type: "string" },
    "key-file": { type: "string" },
    port: { type: "string", default: "0" },
  },
});
const out = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");

const welcome = frame(
  linkCodec().encodeCellMessage({
    welcome: { protocolVersion: 1, cellVersion: "floor", heartbeatIntervalMs: 0, sessionId: "floor", cell: "floor" },
  }),
);
let streams = 0;
const server = http2.createSecureServer({
  ...FIPS_TLS,
  ca: readFileSync(a["ca-file"]!),
  cert: readFileSync(a["cert-file"]!),
  key: readFileSync(a["key-file"]!),
  requestCert: true,
  rejectUnauthorized: true,
  allowHTTP1: false,
  settings: { maxConcurrentStreams: 4, enablePush: false },
});
const drop = () => undefined;
server.on("session", (s) => s.on("error", drop));
server.on("stream", (stream) => {
  streams++;
  stream.on("error", drop);
  stream.on("data", drop);
  stream.once("close", () => streams--);
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.write(welcome);
});
server.listen(Number(a.port), "127.0.0.1", () => {
  out({ type: "ready", port: (server.address() as { port: number }).port });
  setInterval(() => out({ type: "stats", streams, rssMiB: Math.round(process.memoryUsage().rss / 1048576) }), 5000);
});
