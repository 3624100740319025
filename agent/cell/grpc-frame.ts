// The gRPC wire format over HTTP/2, as far as the cell's one method needs it (the cell serves
// Link.Connect on node:http2 directly; agents keep using grpc-js, which speaks the same protocol):
//
//   request   HEADERS  :method POST, :path /lattice.agent.v1.Link/Connect, content-type application/grpc…
//   messages  DATA     [compressed-flag: 1 byte][length: 4 bytes big-endian][protobuf: length bytes] …
//   end       HEADERS  (trailers) grpc-status: <code>, grpc-message: <percent-encoded text>
//
// A stream refused before anything was sent ends with "trailers only": one HEADERS frame carrying
// :status, content-type and the grpc-status at once. The cell accepts no compression: it answers
// `grpc-accept-encoding: identity`, and a message with the compressed flag set ends the stream.
// See https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md.

/** gRPC status codes the cell sends (the numbers of the gRPC specification; grpc-js calls them `status`). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** The one path the cell serves. */
export const CONNECT_PATH = "/lattice.agent.v1.Link/Connect";

/** Headers of every answer the cell starts. */
export const RESPONSE_HEADERS = {
  ":status": 200,
  "content-type": "application/grpc+proto",
  "grpc-accept-encoding": "identity",
} as const;

const HEADER_BYTES = 5;

/** A length-prefixed message frame around `payload`. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** A stream that broke the framing rules: it is ended with `code`. */
export class FrameError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = "FrameError";
  }
}

/**
 * Splits a stream of DATA chunks into whole messages. Chunks may hold several messages or part of
 * one; whole messages inside one chunk are handed out without copying.
 */
export class MessageDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** The whole messages completed by `chunk`, in order. FrameError on a broken or oversized frame. */
  push(chunk: Buffer): Buffer[] {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      buf = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const out: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= HEADER_BYTES) {
      const flag = buf[at]!;
      const length = buf.readUInt32BE(at + 1);
      if (flag !== 0)
        throw new FrameError(Status.INTERNAL, "compressed messages are not accepted (grpc-accept-encoding: identity)");
      if (length > this.maxMessageBytes)
        throw new FrameError(
          Status.RESOURCE_EXHAUSTED,
          `message of ${length} bytes is larger than the ${this.maxMessageBytes} bytes accepted`,
        );
      if (buf.length - at - HEADER_BYTES < length) break;
      out.push(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length));
      at += HEADER_BYTES + length;
    }
    if (at < buf.length) {
      // Keep the tail only: a copy, so the (possibly large) chunk it came from can be freed.
      const rest = Buffer.from(buf.subarray(at));
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return out;
  }

  /** Bytes of an incomplete message held back. */
  get buffered(): number {
    return this.pendingBytes;
  }
}

/** grpc-message encoding: printable ASCII except '%' as is, everything else as %XX of its UTF-8 bytes. */
export function encodeGrpcMessage(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The trailers that end a stream with `code`. */
export function statusTrailers(code: Status, details: string): Record<string, string> {
  return details
    ? { "grpc-status": String(code), "grpc-message": encodeGrpcMessage(details) }
    : { "grpc-status": String(code) };
}
