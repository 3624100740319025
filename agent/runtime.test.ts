import { parseDuration, parseHostPort } from "./runtime";

describe("flag values", () => {
  it("parse durations", () => {
    expect(parseDuration("250ms", "x")).toBe(250);
    expect(parseDuration("10s", "x")).toBe(10_000);
    expect(parseDuration("1.5m", "x")).toBe(90_000);
    expect(parseDuration("1000", "x")).toBe(1000);
    expect(() => parseDuration("ten", "--heartbeat-interval")).toThrow(/--heartbeat-interval: "ten" is not a duration/);
  });

  it("parse host:port with schemes and IPv6", () => {
    expect(parseHostPort("10.0.0.1:8443", "x")).toEqual({ host: "10.0.0.1", port: 8443 });
    expect(parseHostPort("grpcs://cell.example:443", "x")).toEqual({ host: "cell.example", port: 443 });
    expect(parseHostPort("[::1]:9", "x")).toEqual({ host: "::1", port: 9 });
    expect(parseHostPort("cell", "x", 8443)).toEqual({ host: "cell", port: 8443 });
    expect(() => parseHostPort("a:99999", "--listen")).toThrow(/out of range/);
  });
});
