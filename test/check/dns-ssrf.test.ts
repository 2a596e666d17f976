import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clients } from '../../src/check/index.js';
import { DEFAULT_DNS } from '../../src/check/clients.js';
import { createResolver } from '../../src/check/dns/resolver.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { assertFailure, assertUp, PHASES, type PresentPhases } from '../helpers/check-assertions.js';
import { checkHttp, checkTcp, loopbackClients, withServer } from '../helpers/check-runner.js';
import { guardedClients, SAFETY_RANGE, type GuardedClients } from '../helpers/guarded-clients.js';
import { startDnsServer, zonePlans, type DnsTestServer } from '../helpers/servers/dns-server.js';
import { startFixedResponse, startRedirectTo, startTlsServer } from '../helpers/servers/http-catalog.js';

// Names resolve through our own resolver pointed at a DNS server on 127.0.0.1 (the machine's
// resolver is not loopback, and getaddrinfo would ask it: hostsFallback is off), so these
// tests are deterministic with or without a network.

const ZONE = {
  'app.test': ['127.0.0.1'],
  localhost: ['127.0.0.1'],
  'internal.test': ['127.0.0.3'],
  'mixed.test': ['127.0.0.1', '127.0.0.2'],
  'metadata.test': ['169.254.169.254'],
  'corp.test': ['10.1.2.3'],
};
const WITH_DNS: PresentPhases = { dns: true, connect: false, tls: false, ttfb: false, receive: false };

function localResolver(dns: DnsTestServer): ReturnType<typeof createResolver> {
  return createResolver(DEFAULT_DNS, { servers: [dns.server], hostsFallback: false, queryTimeoutMs: 1_000, queryTries: 1 });
}

describe('DNS through a local DNS server', () => {
  let dns: DnsTestServer;
  let clients: Clients;
  before(async () => {
    dns = await startDnsServer({ ...zonePlans(ZONE), 'blackhole.test': { silent: true } });
    clients = loopbackClients({ resolver: localResolver(dns) });
  });
  after(async () => {
    await clients.close();
    await dns.close();
  });

  it('a name that resolves: up, dnsMs present', async () => {
    await withServer(startFixedResponse(200, 'named'), async (server) => {
      const result = await checkHttp(clients, { url: `http://app.test:${server.port}/`, keyword: 'named' });
      assertUp(result, 200, { ...PHASES.httpComplete, dns: true });
      assert.equal(server.requests[0]?.headers['host'], `app.test:${server.port}`);
    });
  });

  it('a .invalid name (NXDOMAIN): down dns_no_record in dns, nothing else happened', async () => {
    const result = await checkHttp(clients, { url: 'http://nothing-here.invalid/' });
    assertFailure(result, { status: 'down', errorKind: 'dns_no_record', errorPhase: 'dns', phases: PHASES.none });
    assert.equal(result.errorFamily, 'verdict');
    assert.ok(dns.queryCount('nothing-here.invalid') > 0, 'asked our DNS server');
  });

  it('a DNS server that never answers: dns_failed within the budget', async () => {
    const result = await checkHttp(clients, { url: 'http://blackhole.test/', timeoutMs: 300 });
    assertFailure(result, { status: 'down', errorKind: 'dns_failed', errorPhase: 'dns', phases: PHASES.none });
    assert.ok(result.timings.totalMs < 350, `totalMs ${result.timings.totalMs}`);
  });

  it('TCP check of a name: dnsMs and connectMs', async () => {
    await withServer(startFixedResponse(200), async (server) => {
      const result = await checkTcp(clients, { host: 'app.test', port: server.port });
      assertUp(result, null, { ...PHASES.tcpConnected, dns: true });
    });
  });

  it('TLS by name: SNI localhost matches the valid cert, the wrong-host cert mismatches', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const result = await checkHttp(clients, { url: `https://localhost:${server.port}/` });
      assertUp(result, 200, { ...PHASES.httpsComplete, dns: true });
    });
    await withServer(startTlsServer('wrong-host'), async (server) => {
      const result = await checkHttp(clients, { url: `https://localhost:${server.port}/` });
      assertFailure(result, {
        status: 'down', errorKind: 'cert_hostname_mismatch', errorPhase: 'tls',
        phases: { dns: true, connect: true, tls: false, ttfb: false, receive: false },
      });
    });
  });
});

function assertRefused(result: CheckResult, leaks: readonly string[], phases: PresentPhases, range: RegExp): void {
  assertFailure(result, { status: 'down', errorKind: 'address_not_allowed', errorPhase: 'connect', phases });
  assert.deepEqual(leaks, [], 'the real guard let a non-loopback address through');
  assert.ok(!(result.detail ?? '').includes(SAFETY_RANGE));
  assert.match(result.detail ?? '', range);
}

describe('SSRF guard (allowPrivateTargets off)', () => {
  let dns: DnsTestServer;
  /** the real guard, nothing exempted */
  let strict: GuardedClients;
  /** the real guard with 127.0.0.1 exempted, for an allowed first hop */
  let exempting: GuardedClients;
  before(async () => {
    dns = await startDnsServer(zonePlans(ZONE));
    // Built once: each buildClients parses the bundled roots plus the fixture CA (~0.3 s).
    strict = guardedClients([], { resolver: localResolver(dns) });
    exempting = guardedClients(['127.0.0.1'], { resolver: localResolver(dns) });
  });
  after(async () => {
    await strict.clients.close();
    await exempting.clients.close();
    await dns.close();
  });

  for (const [host, range] of [
    ['127.0.0.1', /loopback/i],
    ['[::1]', /loopback/i],
    ['[::ffff:127.0.0.1]', /loopback/i],
    ['10.0.0.1', /10\.0\.0\.0\/8|private|1918/i],
    ['169.254.169.254', /link-local|169\.254/i],
    ['100.64.0.1', /100\.64|CGNAT|shared/i],
    ['[fd00::1]', /fc00|ULA|unique local/i],
    ['[::ffff:10.0.0.1]', /10\.0\.0\.0\/8|private|1918/i],
  ] as const) {
    it(`IP literal ${host}: address_not_allowed before any connection`, async () => {
      const { clients, leaks } = strict;
      await withServer(startFixedResponse(200), async (server) => {
        const port = host.includes('127.0.0.1') ? server.port : 9;
        const result = await checkHttp(clients, { url: `http://${host}:${port}/` });
        assertRefused(result, leaks, PHASES.none, range);
        assert.equal(server.requests.length, 0);
      });
    });
  }

  it('a TCP check of 127.0.0.1: address_not_allowed', async () => {
    const { clients, leaks } = strict;
    const result = await checkTcp(clients, { host: '127.0.0.1', port: 9 });
    assertRefused(result, leaks, PHASES.none, /loopback/i);
  });

  it('a name resolving to a private address (checked after DNS): address_not_allowed, dnsMs kept', async () => {
    const { clients, leaks } = strict;
    assertRefused(await checkHttp(clients, { url: 'http://metadata.test/' }), leaks, WITH_DNS, /169\.254\.169\.254/);
    assertRefused(await checkHttp(clients, { url: 'http://corp.test/' }), leaks, WITH_DNS, /10\.1\.2\.3/);
  });

  it('a mixed answer (one allowed, one blocked address) is refused as a whole', async () => {
    const { clients, leaks } = exempting;
    await withServer(startFixedResponse(200), async (server) => {
      const result = await checkHttp(clients, { url: `http://mixed.test:${server.port}/` });
      assertRefused(result, leaks, WITH_DNS, /127\.0\.0\.2/);
      assert.equal(server.requests.length, 0);
    });
  });

  // The first hop is 127.0.0.1, exempted from the real guard by the test (see guarded-clients.ts);
  // every redirect target below is blocked by the real guard, on the redirect hop.
  it('a redirect from an allowed host to a blocked literal ([::1]) is refused on that hop', async () => {
    const { clients, leaks } = exempting;
    await withServer(startFixedResponse(200, 'never', {}, '::1'), async (target) => {
      await withServer(startRedirectTo(`http://[::1]:${target.port}/`), async (first) => {
        const result = await checkHttp(clients, { url: first.url, followRedirects: true });
        assertRefused(result, leaks, PHASES.none, /::1|loopback/);
        assert.equal(first.requests.length, 1, 'the allowed first hop was checked');
        assert.equal(target.requests.length, 0, 'the blocked target was never contacted');
      });
    });
  });

  it('a redirect from an allowed host to a name that resolves to a blocked address is refused', async () => {
    const { clients, leaks } = exempting;
    await withServer(startRedirectTo('http://internal.test:9/admin'), async (first) => {
      const result = await checkHttp(clients, { url: first.url, followRedirects: true });
      assertRefused(result, leaks, WITH_DNS, /127\.0\.0\.3/);
      assert.equal(first.requests.length, 1);
    });
  });
});
