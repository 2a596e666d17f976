import { generate } from 'selfsigned';

/**
 * TLS=1 mocks serve a certificate made when they start: a throwaway CA and a leaf for
 * localhost, 127.0.0.1 and ::1 signed by it (EC P-256, valid 90 days: longer than any certificate-expiry warning threshold, so the
 * harness measures checks, not a certificate about to expire). The harness trusts
 * that CA through `buildClients({ ca })`, so its TLS checks verify the chain as the daemon's
 * would. Nothing is read from disk: the harness ships without the test fixtures, and a key
 * that lives only in memory for one run cannot leak or expire in a checkout.
 */
export interface MockCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

const VALID_MS = 90 * 86_400_000;

export async function generateMockCertificate(now: Date = new Date()): Promise<MockCertificate> {
  const notBeforeDate = new Date(now.getTime() - 60_000);
  const notAfterDate = new Date(now.getTime() + VALID_MS);
  const ca = await generate([{ name: 'commonName', value: 'Vigil load-test mock CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }],
      },
    ],
  });
  return Object.freeze({ certPem: leaf.cert, keyPem: leaf.private, caPem: ca.cert });
}
