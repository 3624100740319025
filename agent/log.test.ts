import { jsonLogger, memoryLogger } from "./log";

describe("structured logs", () => {
  it("write one JSON object per line with component, level and fields", () => {
    const lines: string[] = [];
    const log = jsonLogger({ component: "cell", write: (l) => void lines.push(l) }).child({ cluster: "c1" });
    log.info("stream bound", { session: "s1" });
    log.debug("hidden below info");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "info",
      component: "cell",
      msg: "stream bound",
      cluster: "c1",
      session: "s1",
    });
  });

  it("never write fields that hold secrets", () => {
    const log = memoryLogger();
    log.warn("oops", {
      token: "lt1.secret",
      key: "-----BEGIN PRIVATE KEY-----",
      csrPem: "x",
      authorization: "Bearer y",
      cluster: "c1",
    });
    expect(log.lines[0]).toMatchObject({
      token: "[redacted]",
      key: "[redacted]",
      csrPem: "[redacted]",
      authorization: "[redacted]",
      cluster: "c1",
    });
  });

  it("write errors as name and message", () => {
    const log = memoryLogger();
    log.error("failed", { error: new TypeError("bad") });
    expect(log.lines[0]!.error).toEqual({ name: "TypeError", message: "bad" });
  });
});
