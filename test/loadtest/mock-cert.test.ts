// TLS=1: the harness makes its own CA and leaf at start (no test fixtures in what ships), and
// the executor verifies the mocks' chain against that CA over HTTP/1.1 and h2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { generateMockCertificate } from '../../src/loadtest/mock-servers/mock-cert.js';
import { startMockListeners } from '../../src/loadtest/mock-servers/mock-listeners.js';
import type { MockConfig } from '../../src/loadtest/mock-servers/mock-behaviour.js';
import { buildClients, executeCheck } from '../../src/check/index.js';
import { defineHttpCheck } from '../../src/domain/check-spec.js';

test('generated mock certificate: a leaf for localhost, 127.0.0.1 and ::1 issued by its own CA, valid 90 days (beyond the default expiry warning)', async () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const cert = await generateMockCertificate(now);
  const leaf = new X509Certificate(cert.certPem);
  const ca = new X509Certificate(cert.caPem);
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(leaf.checkIssued(ca), true);
  assert.equal(leaf.verify(ca.publicKey), true);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.equal(new Date(leaf.validTo).getTime() - now.getTime(), 90 * 86_400_000);
  const other = await generateMockCertificate(now);
  assert.notEqual(other.caPem, cert.caPem, 'each run makes its own CA');
});

for (const http2 of [false, true]) {
  test(`TLS mocks with the generated certificate: a verified ${http2 ? 'h2' : 'HTTP/1.1'} check is up with a tls phase`, async () => {
    const cert = await generateMockCertificate();
    const config: MockConfig = {
      count: 1, http2, tls: { certPem: cert.certPem, keyPem: cert.keyPem },
      delayMs: { minMs: 0, maxMs: 0 }, faults: [], slowMs: 1000,
    };
    const mocks = await startMockListeners(config);
    const clients = buildClients({ allowPrivateTargets: true, ca: cert.caPem });
    const untrusting = buildClients({ allowPrivateTargets: true });
    try {
      const spec = defineHttpCheck({
        url: `https://localhost:${mocks.ports[0] ?? 0}/ok`, expectStatus: 200, timeoutMs: 5000,
        ...(http2 ? { connection: 'pooled', http2: 'prior-knowledge' } : {}),
      });
      const result = await executeCheck(spec, clients);
      assert.equal(result.status, 'up', result.detail ?? '');
      assert.equal(typeof result.timings.tlsMs, 'number');
      const refused = await executeCheck(spec, untrusting);
      assert.equal(refused.status, 'down');
      assert.equal(refused.errorKind, 'cert_not_trusted');
    } finally {
      await clients.close();
      await untrusting.close();
      await mocks.close();
    }
  });
}
