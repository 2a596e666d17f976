import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { executeCheck, type Clients } from '../../src/check/index.js';
import { defineTlsCheck, type TlsCheckInput } from '../../src/domain/check-spec.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { assertFailure, assertUp } from '../helpers/check-assertions.js';
import { checkHttp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { fixtureCert } from '../helpers/certs.js';
import { startTlsServer } from '../helpers/servers/http-catalog.js';
import { startPlainTlsServer, startStartTlsServer } from '../helpers/servers/starttls-server.js';

// `tls` checks and certificate-expiry thresholds against real TLS servers with the committed
// fixtures. The fixture leaves expire in 2100 and the intermediate of `chained` in 2080, so a
// threshold is crossed by setting it beyond those dates (at most 36,500 days) — no clock faking.

const TLS_PHASES = { dns: false, connect: true, tls: true, ttfb: false, receive: false } as const;
const TLS_FAILED = { dns: false, connect: true, tls: false, ttfb: false, receive: false } as const;

function checkTls(clients: Clients, input: Omit<TlsCheckInput, 'kind'>): Promise<CheckResult> {
  return executeCheck(defineTlsCheck({ kind: 'tls', ...input }), clients);
}

function daysUntil(iso: string): number {
  return Math.floor((Date.parse(iso) - Date.now()) / 86_400_000);
}

describe('tls check kind', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('plain TLS: up, connect and tls phases, the whole chain reported leaf first', async () => {
    await withServer(startPlainTlsServer(fixtureCert('chained')), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port });
      assertUp(result, null, TLS_PHASES);
      assert.equal(result.kind, 'tls');
      assert.equal(result.target, `127.0.0.1:${server.port}`);
      const tls = result.tls;
      assert.ok(tls !== null);
      const chain = tls.chain ?? [];
      assert.deepEqual(
        chain.map((c) => [c.subject, c.notAfter?.slice(0, 10)]),
        [
          ['CN=vigil test chained', '2100-01-01'],
          ['CN=Vigil Test Intermediate CA', '2080-01-01'],
          ['CN=Vigil Test Root CA', chain[2]?.notAfter?.slice(0, 10)],
        ],
      );
      assert.match(chain[0]?.fingerprint256 ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.equal(tls.certExpiresAt?.slice(0, 10), '2100-01-01');
      assert.equal(tls.chainExpiresAt?.slice(0, 10), '2080-01-01', 'the intermediate expires first');
      assert.equal(tls.chainDaysRemaining, daysUntil('2080-01-01T00:00:00Z'));
    });
  });

  it('an untrusted certificate: down cert_not_trusted, the certificate still described', async () => {
    await withServer(startPlainTlsServer(fixtureCert('untrusted')), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port });
      assertFailure(result, { status: 'down', errorKind: 'cert_not_trusted', errorPhase: 'tls', phases: TLS_FAILED });
      assert.match(result.tls?.certSubject ?? '', /vigil test untrusted/);
    });
  });

  it('servername: the certificate must cover it (wrong name → cert_hostname_mismatch)', async () => {
    await withServer(startPlainTlsServer(fixtureCert('valid')), async (server) => {
      const ok = await checkTls(clients, { host: '127.0.0.1', port: server.port, servername: 'localhost' });
      assert.equal(ok.status, 'up', JSON.stringify(ok));
      const wrong = await checkTls(clients, { host: '127.0.0.1', port: server.port, servername: 'other.example' });
      assertFailure(wrong, { status: 'down', errorKind: 'cert_hostname_mismatch', errorPhase: 'tls', phases: TLS_FAILED });
    });
  });

  it('ALPN offered and reported', async () => {
    await withServer(startPlainTlsServer(fixtureCert('valid'), { alpn: ['h2', 'http/1.1'] }), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, alpn: ['h2'] });
      assert.equal(result.tls?.alpn, 'h2');
    });
  });

  it('a port that does not speak TLS: down tls_handshake', async () => {
    await withServer(startStartTlsServer('smtp', fixtureCert('valid')), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, timeoutMs: 3000 });
      assert.equal(result.status, 'down', JSON.stringify(result));
      assert.equal(result.errorKind, 'tls_handshake');
      assert.equal(result.errorPhase, 'tls');
    });
  });

  for (const protocol of ['smtp', 'imap', 'pop3'] as const) {
    it(`STARTTLS over ${protocol}: the prelude, then the handshake; up with the chain`, async () => {
      await withServer(startStartTlsServer(protocol, fixtureCert('valid')), async (server) => {
        const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: protocol });
        assertUp(result, null, TLS_PHASES);
        assert.equal(result.tls?.chain?.[0]?.subject, 'CN=vigil test valid');
        const expected = { smtp: ['EHLO vigil.invalid', 'STARTTLS'], imap: ['V1 STARTTLS'], pop3: ['STLS'] }[protocol];
        assert.deepEqual(server.commands, expected);
      });
    });

    it(`STARTTLS over ${protocol} refused: down starttls_refused, the reply in detail`, async () => {
      await withServer(startStartTlsServer(protocol, fixtureCert('valid'), 'refuse'), async (server) => {
        const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: protocol });
        assertFailure(result, { status: 'down', errorKind: 'starttls_refused', errorPhase: 'tls', phases: TLS_FAILED });
        assert.equal(server.handshakes, 0);
      });
    });
  }

  it('SMTP without STARTTLS in its EHLO reply: starttls_refused, STARTTLS never sent', async () => {
    await withServer(startStartTlsServer('smtp', fixtureCert('valid'), 'not_offered'), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: 'smtp' });
      assertFailure(result, { status: 'down', errorKind: 'starttls_refused', errorPhase: 'tls', phases: TLS_FAILED });
      assert.match(result.detail ?? '', /does not offer STARTTLS/);
      assert.deepEqual(server.commands, ['EHLO vigil.invalid']);
    });
  });

  it('a greeting that never ends: invalid_response at the reply cap, not unbounded memory', async () => {
    await withServer(startStartTlsServer('smtp', fixtureCert('valid'), 'flood'), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: 'smtp' });
      assertFailure(result, { status: 'down', errorKind: 'invalid_response', errorPhase: 'tls', phases: TLS_FAILED });
    });
  });

  it('a silent server: timeout in the tls phase within the budget', async () => {
    await withServer(startStartTlsServer('imap', fixtureCert('valid'), 'silent'), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: 'imap', timeoutMs: 300 });
      assertFailure(result, { status: 'down', errorKind: 'timeout', errorPhase: 'tls', phases: TLS_FAILED });
      assert.ok(result.timings.totalMs < 1000, `totalMs ${result.timings.totalMs}`);
    });
  });

  it('a server that hangs up after accepting: no_response in the tls phase', async () => {
    await withServer(startStartTlsServer('pop3', fixtureCert('valid'), 'close'), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: 'pop3' });
      assertFailure(result, { status: 'down', errorKind: 'no_response', errorPhase: 'tls', phases: TLS_FAILED });
    });
  });

  it('STARTTLS with an untrusted certificate: cert_not_trusted after the prelude', async () => {
    await withServer(startStartTlsServer('smtp', fixtureCert('untrusted')), async (server) => {
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, starttls: 'smtp' });
      assertFailure(result, { status: 'down', errorKind: 'cert_not_trusted', errorPhase: 'tls', phases: TLS_FAILED });
    });
  });
});

describe('certificate expiry thresholds', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('defaults (14 / 3 days) leave a far-off expiry up', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const result = await checkHttp(clients, { url: server.url });
      assert.equal(result.status, 'up');
      assert.equal(result.tls?.chainExpiresAt, result.tls?.certExpiresAt, 'leaf is the earliest for valid (root ends 2126)');
    });
  });

  it('http: under the warning threshold → degraded cert_expiring_soon; under critical → down', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const days = daysUntil('2100-01-01T00:00:00Z');
      const warned = await checkHttp(clients, { url: server.url, certExpiryWarnDays: days + 10, certExpiryCriticalDays: 3 });
      assertFailure(warned, { status: 'degraded', errorKind: 'cert_expiring_soon', errorPhase: 'tls', phases: { dns: false, connect: true, tls: true, ttfb: true, receive: true } });
      assert.equal(warned.statusCode, 200);
      assert.match(warned.detail ?? '', /the certificate expires 2100-01-01.*warning threshold/);
      const critical = await checkHttp(clients, { url: server.url, certExpiryWarnDays: days + 20, certExpiryCriticalDays: days + 10 });
      assert.deepEqual([critical.status, critical.errorKind, critical.errorFamily], ['down', 'cert_expiring_soon', 'verdict']);
      assert.match(critical.detail ?? '', /critical threshold/);
      const off = await checkHttp(clients, { url: server.url, certExpiryWarnDays: 0, certExpiryCriticalDays: 0 });
      assert.equal(off.status, 'up');
    });
  });

  it('the whole chain counts: an intermediate expiring before the leaf crosses the threshold', async () => {
    await withServer(startTlsServer('chained'), async (server) => {
      const intermediateDays = daysUntil('2080-01-01T00:00:00Z');
      const leafDays = daysUntil('2100-01-01T00:00:00Z');
      // Between the two: the leaf alone would be fine, the chain is not.
      const result = await checkHttp(clients, { url: server.url, certExpiryWarnDays: Math.floor((intermediateDays + leafDays) / 2), certExpiryCriticalDays: 0 });
      assert.deepEqual([result.status, result.errorKind], ['degraded', 'cert_expiring_soon'], JSON.stringify(result));
      assert.match(result.detail ?? '', /a certificate of the chain \(not the leaf\) expires 2080-01-01/);
      assert.equal(result.tls?.chainExpiresAt?.slice(0, 10), '2080-01-01');
      assert.equal(result.tls?.chain, null, 'http results carry no chain list');
    });
  });

  it('tls kind: the same thresholds', async () => {
    await withServer(startPlainTlsServer(fixtureCert('chained')), async (server) => {
      const days = daysUntil('2080-01-01T00:00:00Z');
      const result = await checkTls(clients, { host: '127.0.0.1', port: server.port, certExpiryWarnDays: days + 30, certExpiryCriticalDays: days + 1 });
      assertFailure(result, { status: 'down', errorKind: 'cert_expiring_soon', errorPhase: 'tls', phases: TLS_PHASES });
    });
  });

  it('verifyTls off: an already-expired certificate stays accepted (expiry is verification\'s call)', async () => {
    await withServer(startTlsServer('expired'), async (server) => {
      const result = await checkHttp(clients, { url: server.url, verifyTls: false });
      assert.equal(result.status, 'up', JSON.stringify(result));
    });
  });

  it('a real failure wins over a warning: an unexpected status stays unexpected_status', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const result = await checkHttp(clients, { url: server.url, expectStatus: 204, certExpiryWarnDays: 36_500, certExpiryCriticalDays: 0 });
      assert.equal(result.errorKind, 'unexpected_status');
    });
  });

  it('bad thresholds are a SpecError naming the field', () => {
    assert.throws(() => defineTlsCheck({ kind: 'tls', host: 'x', port: 1, certExpiryWarnDays: -1 }), /certExpiryWarnDays: expected an integer from 0 to 36500, got -1/);
    assert.throws(() => defineTlsCheck({ kind: 'tls', host: 'x', port: 1, certExpiryWarnDays: 5, certExpiryCriticalDays: 10 }), /certExpiryCriticalDays: expected at most certExpiryWarnDays \(5\)/);
    assert.throws(() => defineTlsCheck({ kind: 'tls', host: 'x', port: 1, starttls: 'ftp' as never }), /starttls: expected one of "smtp", "imap", "pop3", got "ftp"/);
    assert.throws(() => defineTlsCheck({ kind: 'tls', host: 'x', port: 70000 }), /port: expected an integer from 1 to 65535/);
    assert.throws(() => defineTlsCheck({ kind: 'tls', host: 'a b', port: 1 }), /host: expected a host name or IP address/);
  });
});
