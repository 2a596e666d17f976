import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { executeCheck, type Clients } from '../../src/check/index.js';
import { firstHopPlan } from '../../src/check/http/hop-plan.js';
import { defineHttpCheck } from '../../src/domain/check-spec.js';
import type { ErrorKind } from '../../src/domain/error-kind.js';
import { assertFailure, assertUp, PHASES } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import type { FixtureCertName } from '../helpers/certs.js';
import { startPlaintextForTls, startTlsServer } from '../helpers/servers/http-catalog.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';

// TLS with the committed fixtures (scripts/make-certs.sh). The clients trust the fixture CA
// only (on top of the bundled roots), never the "untrusted" CA. URLs use 127.0.0.1, which
// every fixture leaf except wrong-host names in its SAN.

describe('TLS certificates', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('valid cert from the trusted CA: up, tls phase and TLS info present', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'secure' });
      assertUp(result, 200, PHASES.httpsComplete);
      assert.equal(result.httpVersion, '1.1', 'node:https offers no h2 in ALPN');
      const tls = result.tls;
      assert.ok(tls !== null);
      assert.match(tls.protocol ?? '', /^TLSv1\.[23]$/);
      assert.equal(typeof tls.cipher, 'string');
      assert.match(tls.certSubject ?? '', /vigil test valid/);
      assert.match(tls.certIssuer ?? '', /Vigil Test Root CA/);
      assert.equal(tls.certExpiresAt?.slice(0, 10), '2100-01-01');
      assert.ok((tls.daysRemaining ?? 0) > 365 * 50);
    });
  });

  const failures: ReadonlyArray<[FixtureCertName, ErrorKind]> = [
    ['expired', 'cert_expired'],
    ['not-yet-valid', 'cert_not_yet_valid'],
    ['wrong-host', 'cert_hostname_mismatch'],
    ['self-signed', 'cert_not_trusted'],
    ['untrusted', 'cert_not_trusted'],
  ];
  for (const [cert, kind] of failures) {
    it(`${cert} cert: down ${kind} in tls, connectMs kept, tlsMs null`, async () => {
      await withServer(startTlsServer(cert), async (server) => {
        const result = await checkHttp(clients, { url: server.url });
        assertFailure(result, { status: 'down', errorKind: kind, errorPhase: 'tls', phases: PHASES.tlsFailed });
        assert.equal(result.errorFamily, 'verdict');
        assert.equal(server.requests.length, 0, 'no request is sent over an unverified connection');
      });
    });
  }

  it('a hostname mismatch explains itself in detail', async () => {
    // An IP-literal URL is checked against the IP SANs; the host-name path (SNI + DNS SAN)
    // needs a resolver and is covered in dns-ssrf.test.ts.
    await withServer(startTlsServer('wrong-host'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assert.equal(result.errorKind, 'cert_hostname_mismatch');
      assert.match(result.detail ?? '', /127\.0\.0\.1|wrong\.example|altnames/i);
    });
  });

  it('verifyTls false: the expired cert is accepted, its expiry still reported', async () => {
    await withServer(startTlsServer('expired'), async (server) => {
      const result = await checkHttp(clients, { url: server.url, verifyTls: false });
      assertUp(result, 200, PHASES.httpsComplete);
      assert.equal(result.tls?.certExpiresAt?.slice(0, 10), '2002-01-01');
      assert.ok((result.tls?.daysRemaining ?? 0) < 0);
    });
  });

  it('clients without the fixture CA: the valid cert is not trusted', async () => {
    const strangers = loopbackClients({ ca: [] });
    try {
      await withServer(startTlsServer('valid'), async (server) => {
        const result = await checkHttp(strangers, { url: server.url });
        assertFailure(result, { status: 'down', errorKind: 'cert_not_trusted', errorPhase: 'tls', phases: PHASES.tlsFailed });
      });
    } finally {
      await strangers.close();
    }
  });

  it('TLS spoken to a plaintext HTTP port: tls_handshake', async () => {
    await withServer(startPlaintextForTls(), async (server) => {
      const result = await checkHttp(clients, { url: `https://127.0.0.1:${server.port}/`, timeoutMs: 2_000 });
      assertFailure(result, { status: 'down', errorKind: 'tls_handshake', errorPhase: 'tls', phases: PHASES.tlsFailed });
      assert.equal(result.errorFamily, 'transport');
    });
  });

  it('TLS server with ALPN h2: the fresh check speaks HTTP/2', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const result = await checkHttp(clients, { url: server.url, keyword: 'h2 ok' });
      assertUp(result, 200, PHASES.httpsComplete);
      assert.equal(result.httpVersion, '2');
      assert.equal(result.tls?.alpn, 'h2');
    });
  });

  it('ALPN h2: the header block is encoded by the first check and kept in the plan for the next', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const spec = defineHttpCheck({ url: server.url, keyword: 'h2 ok' });
      assert.equal(firstHopPlan(spec, clients).request.h2Block, undefined, 'not rendered before a connection picked h2');
      assertUp(await executeCheck(spec, clients), 200, PHASES.httpsComplete);
      const block = firstHopPlan(spec, clients).request.h2Block;
      assert.ok(block !== undefined);
      const again = await executeCheck(spec, clients);
      assertUp(again, 200, PHASES.httpsComplete);
      assert.equal(again.httpVersion, '2');
      assert.equal(firstHopPlan(spec, clients).request.h2Block, block, 'the same block serves the next check');
    });
  });
});
