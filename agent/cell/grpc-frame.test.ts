// The gRPC message framing of the cell's server: split and joined chunks, limits, and the
// grpc-message escaping grpc-js decodes.
import { FrameError, MessageDecoder, Status, encodeGrpcMessage, frame, statusTrailers } from "./grpc-frame";

const msg = (n: number, fill = 1) => Buffer.alloc(n, fill);

describe("gRPC framing", () => {
  it("frames a message with a zero flag and a big-endian length", () => {
    expect([...frame(Buffer.from("hi"))]).toEqual([0, 0, 0, 0, 2, 0x68, 0x69]);
  });

  it("decodes messages split across chunks and several in one chunk, in order", () => {
    const d = new MessageDecoder(1024);
    const all = Buffer.concat([frame(msg(3, 1)), frame(msg(0)), frame(msg(300, 2)), frame(msg(1, 3))]);
    const got: Buffer[] = [];
    // Every split point, byte by byte through the header and into the body.
    for (let i = 0; i < all.length; i += 7) got.push(...d.push(all.subarray(i, Math.min(all.length, i + 7))));
    expect(got.map((b) => [b.length, b[0]])).toEqual([
      [3, 1],
      [0, undefined],
      [300, 2],
      [1, 3],
    ]);
    expect(d.buffered).toBe(0);
  });

  it("refuses a compressed message and one larger than the limit, before reading its body", () => {
    const compressed = frame(msg(2));
    compressed[0] = 1;
    expect(() => new MessageDecoder(10).push(compressed)).toThrow(FrameError);
    const big = Buffer.alloc(5);
    big.writeUInt32BE(11, 1);
    let err: unknown;
    try {
      new MessageDecoder(10).push(big); // only the header has arrived
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: Status.RESOURCE_EXHAUSTED });
  });

  it("percent-encodes grpc-message outside printable ASCII, and '%'", () => {
    expect(encodeGrpcMessage('cluster "c1": 100% done — ok\n')).toBe('cluster "c1": 100%25 done %E2%80%94 ok%0A');
    expect(decodeURIComponent(encodeGrpcMessage("ünïcode %"))).toBe("ünïcode %");
    expect(statusTrailers(Status.OK, "")).toEqual({ "grpc-status": "0" });
    expect(statusTrailers(Status.PERMISSION_DENIED, "no")).toEqual({ "grpc-status": "7", "grpc-message": "no" });
  });
});
