// External endpoint strings and the address helpers behind them.
import { parseEndpoint } from ".";
import { formatPrefix, parseCidr, parseIp, prefixContains } from "./net";

describe("parseEndpoint", () => {
  it.each([
    ["https://api.stripe.com:443", "https", 443, "host:api.stripe.com"],
    ["https://API.Stripe.com", "https", 443, "host:api.stripe.com"],
    ["http://example.com/", "http", 80, "host:example.com"],
    ["tcp://db.example.com:5432", "tcp", 5432, "host:db.example.com"],
    ["https://*.stripe.com", "https", 443, "wildcard:*.stripe.com"],
    ["tcp://10.1.2.3:5432", "tcp", 5432, "cidr:10.1.2.3/32"],
    ["10.1.2.3:5432", "tcp", 5432, "cidr:10.1.2.3/32"],
    ["tcp://10.20.0.0/24:25", "tcp", 25, "cidr:10.20.0.0/24"],
    ["10.20.0.0/24:25", "tcp", 25, "cidr:10.20.0.0/24"],
    ["tcp://[2001:db8::1]:443", "tcp", 443, "cidr:2001:db8::1/128"],
    ["tcp://[2001:DB8::/32]:443", "tcp", 443, "cidr:2001:db8::/32"],
  ])("%s", (raw, scheme, port, target) => {
    const r = parseEndpoint(raw);
    if (!r.ok) throw new Error(r.error);
    const t = r.endpoint.target;
    expect([
      r.endpoint.scheme,
      r.endpoint.port,
      `${t.kind}:${t.kind === "host" ? t.host : t.kind === "wildcard" ? t.pattern : t.cidr}`,
    ]).toEqual([scheme, port, target]);
  });

  it.each([
    ["ftp://x.example.com:21", /unsupported scheme "ftp"/],
    ["tcp://db.example.com", /a tcp endpoint needs a port/],
    ["https://api.stripe.com/v1", /paths and queries cannot be enforced/],
    ["https://api.stripe.com:0", /invalid port "0"/],
    ["https://api.stripe.com:65536", /invalid port "65536"/],
    ["tcp://0.0.0.0/0:443", /0\.0\.0\.0\/0 is too broad/],
    ["tcp://[::/0]:443", /::\/0 is too broad/],
    ["tcp://10.0.0.1/24:443", /invalid CIDR/],
    ["https://*.com", /invalid wildcard host/],
    ["https://bad_host.example", /invalid host/],
    ["https://:443", /missing host/],
    ["tcp://300.1.1.1:80", /invalid host/],
  ])("rejects %s", (raw, why) => {
    const r = parseEndpoint(raw);
    expect(r.ok ? "accepted" : r.error).toMatch(why);
  });
});

describe("addresses", () => {
  it("parses, canonicalises and contains", () => {
    expect(parseIp("1.2.3.256")).toBeUndefined();
    expect(parseIp("01.2.3.4")).toBeUndefined();
    expect(parseIp("1::2::3")).toBeUndefined();
    expect(formatPrefix(parseCidr("2001:0db8:0000:0000:0000:0000:0000:0000/32")!)).toBe("2001:db8::/32");
    expect(prefixContains(parseCidr("10.0.0.0/8")!, parseIp("10.255.0.1")!)).toBe(true);
    expect(prefixContains(parseCidr("10.0.0.0/8")!, parseIp("11.0.0.1")!)).toBe(false);
    expect(prefixContains(parseCidr("10.0.0.0/8")!, parseIp("::1")!)).toBe(false);
  });
});
