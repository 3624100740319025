// The admission rules of a certificate, as pure functions of what the ClusterLink index holds.
import { admissionRefusal, notBeforeFloor, revocationTime } from "./revocation";
import type { LinkRecord } from "./links";

const index = (recs: Record<string, LinkRecord>) => ({ get: (c: string) => recs[c] });

describe("admission", () => {
  const t = Date.parse("2026-12-03T10:00:00Z");
  const idx = index({
    ok: { resourceVersion: "1", revokedBeforeMs: 0 },
    revoked: { resourceVersion: "2", revokedBeforeMs: t },
  });

  it("admits a cluster with a ClusterLink that was never revoked", () => {
    expect(admissionRefusal(idx, "ns", "ok", { notBefore: new Date(0) })).toBeUndefined();
  });

  it("refuses a cluster without a ClusterLink, saying how to get one", () => {
    expect(admissionRefusal(idx, "lattice-system", "nope", {})).toMatch(
      /no ClusterLink in namespace lattice-system .*issue a bootstrap token/,
    );
  });

  it("refuses a certificate valid from before the revocation, and admits one valid from it on", () => {
    expect(admissionRefusal(idx, "ns", "revoked", { notBefore: new Date(t - 1000) })).toMatch(
      /was revoked at 2026-12-03T10:00:00.000Z/,
    );
    expect(admissionRefusal(idx, "ns", "revoked", {})).toMatch(/revoked/); // no date: refused
    expect(admissionRefusal(idx, "ns", "revoked", { notBefore: new Date(t) })).toBeUndefined();
  });

  it("records revocations at whole seconds (certificate times have no more), and reads them back as floors", () => {
    expect(revocationTime(Date.parse("2026-12-03T10:00:00.999Z")).toISOString()).toBe("2026-12-03T10:00:00.000Z");
    const link = {
      apiVersion: "x",
      kind: "ClusterLink",
      metadata: { name: "c" },
      spec: { cluster: "c", revokedBefore: "2026-12-03T10:00:00Z" },
    };
    expect(notBeforeFloor(link)?.toISOString()).toBe("2026-12-03T10:00:00.000Z");
    expect(notBeforeFloor({ ...link, spec: { cluster: "c" } })).toBeUndefined();
    expect(notBeforeFloor(undefined)).toBeUndefined();
  });
});
