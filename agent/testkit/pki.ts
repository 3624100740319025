// Certificates for in-process link tests: a cell CA with a serving certificate and agent
// certificates, and a second CA to play the stranger. Real keys and real signatures.
import { CertificateAuthority } from "../pki/ca";
import { generateKeyPair, privateKeyPem } from "../pki/crypto";
import { CELL_SERVER_NAME } from "../protocol/identity";
import type { TlsMaterial } from "../protocol/tls";

/** A CA and what it issued. */
export interface TestPki {
  ca: CertificateAuthority;
  serving: TlsMaterial;
  /** An agent's TLS material for `cluster`. */
  agent(cluster: string): Promise<TlsMaterial & { notBefore: Date; notAfter: Date }>;
}

/** A fresh CA with a serving certificate for lattice-cell / 127.0.0.1. */
export async function testPki(): Promise<TestPki> {
  const { ca } = await CertificateAuthority.generate("test-cell-ca");
  const sk = await generateKeyPair();
  const serving = {
    ca: ca.certPem,
    cert: (await ca.issueServing(sk.publicKey, { dns: [CELL_SERVER_NAME], ip: ["127.0.0.1"] })).pem,
    key: await privateKeyPem(sk.privateKey),
  };
  return {
    ca,
    serving,
    async agent(cluster) {
      const k = await generateKeyPair();
      const issued = await ca.issueAgent(k.publicKey, cluster);
      return {
        ca: ca.certPem,
        cert: issued.pem,
        key: await privateKeyPem(k.privateKey),
        notBefore: new Date(Date.now() - 300_000),
        notAfter: issued.notAfter,
      };
    },
  };
}
