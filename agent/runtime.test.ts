import { parseDuration, parseHostPort, sleepUnlessAborted } from "./runtime";

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

describe("sleepUnlessAborted", () => {
  afterEach(() => jest.useRealTimers());

  it("waits the whole time when nothing aborts", async () => {
    jest.useFakeTimers();
    let done = false;
    const p = sleepUnlessAborted(1_000, new AbortController().signal).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it("ends at the abort, and at once for a signal already aborted", async () => {
    jest.useFakeTimers();
    const ac = new AbortController();
    let done = false;
    const p = sleepUnlessAborted(30_000, ac.signal).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(10);
    ac.abort();
    await p;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(0); // its timer is cleared, nothing keeps the process up
    await sleepUnlessAborted(30_000, ac.signal);
    expect(jest.getTimerCount()).toBe(0);
  });
});
