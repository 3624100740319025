import type { PeerCertificate } from "node:tls";
import { assertClusterName, checkCellCertificate, clusterOfPeer } from "./identity";

const peer = (p: Partial<PeerCertificate> & { CN?: string }): PeerCertificate =>
  ({
    raw: Buffer.from("x"),
    subject: { CN: p.CN ?? "c1" },
    subjectaltname: p.subjectaltname ?? "URI:spiffe://lattice.dev/cluster/c1",
    ext_key_usage: p.ext_key_usage ?? ["1.3.6.1.5.5.7.3.2"],
  }) as unknown as PeerCertificate;

describe("cluster identity of a client certificate", () => {
  it("is the CN when the URI SAN agrees and the usage is clientAuth", () => {
    expect(clusterOfPeer(peer({}))).toBe("c1");
  });

  it.each([
    ["no certificate", undefined, /no client certificate/],
    ["a serving certificate", peer({ ext_key_usage: ["1.3.6.1.5.5.7.3.1"] }), /clientAuth/],
    [
      "a URI for another cluster",
      peer({ subjectaltname: "URI:spiffe://lattice.dev/cluster/c2" }),
      /exactly the URI SAN/,
    ],
    [
      "two cluster URIs",
      peer({ subjectaltname: "URI:spiffe://lattice.dev/cluster/c1, URI:spiffe://lattice.dev/cluster/c2" }),
      /exactly the URI SAN/,
    ],
    [
      "a CN that is not a cluster name",
      peer({ CN: "C1;drop", subjectaltname: "URI:spiffe://lattice.dev/cluster/C1;drop" }),
      /DNS-1123/,
    ],
  ])("is refused for %s", (_what, cert, why) => {
    expect(() => clusterOfPeer(cert)).toThrow(why);
  });

  it("cluster names are DNS labels", () => {
    expect(assertClusterName("prod-eu-1")).toBe("prod-eu-1");
    expect(() => assertClusterName("a".repeat(64))).toThrow();
    expect(() => assertClusterName("-x")).toThrow();
  });

  it("the cell's certificate must name lattice-cell and serve", () => {
    const ok = {
      subjectaltname: "DNS:lattice-cell, IP Address:10.0.0.1",
      ext_key_usage: ["1.3.6.1.5.5.7.3.1"],
    } as unknown as PeerCertificate;
    expect(checkCellCertificate(ok)).toBeUndefined();
    expect(checkCellCertificate({ ...ok, subjectaltname: "DNS:other" } as PeerCertificate)?.message).toMatch(
      /does not name lattice-cell/,
    );
    expect(checkCellCertificate({ ...ok, ext_key_usage: ["1.3.6.1.5.5.7.3.2"] } as PeerCertificate)?.message).toMatch(
      /serverAuth/,
    );
  });
});
