import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildClients, executeCheck, type Clients } from '../../src/check/index.js';
import { defineDnsCheck, type DnsCheckInput } from '../../src/domain/check-spec.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { assertFailure, assertUp } from '../helpers/check-assertions.js';
import { loopbackClients } from '../helpers/check-runner.js';
import { startDnsServer, type DnsTestServer } from '../helpers/servers/dns-server.js';

// `dns` checks against the project's DNS test server on 127.0.0.1:0 (UDP and TCP on one port).

const DNS_ONLY = { dns: true, connect: false, tls: false, ttfb: false, receive: false } as const;
const NOTHING = { dns: false, connect: false, tls: false, ttfb: false, receive: false } as const;

const LONG_TXT = 'x'.repeat(200);

describe('dns check kind', () => {
  let clients: Clients;
  let server: DnsTestServer;
  before(async () => {
    clients = loopbackClients();
    server = await startDnsServer({
      'www.test': { a: [{ address: '192.0.2.10', ttlS: 60 }, { address: '192.0.2.11', ttlS: 60 }], aaaa: [{ address: '2001:db8::1', ttlS: 60 }] },
      'mail.test': {
        records: {
          MX: [{ data: { preference: 10, exchange: 'mx1.mail.test' } }, { data: { preference: 20, exchange: 'MX2.mail.test' } }],
          TXT: [{ data: ['v=spf1 ', '-all'] }],
          CAA: [{ data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } }],
          NS: [{ data: 'ns1.test' }],
          SOA: [{ data: { mname: 'ns1.test', rname: 'hostmaster.test', serial: 2026120301, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } }],
        },
      },
      'alias.test': { records: { CNAME: [{ data: 'www.test' }] } },
      '_imaps._tcp.mail.test': { records: { SRV: [{ data: { priority: 0, weight: 5, port: 993, target: 'mail.test' } }] } },
      'big.test': { truncateUdp: true, records: { TXT: Array.from({ length: 8 }, (_, i) => ({ data: `${i}${LONG_TXT}` })) } },
      'broken.test': { rcode: 'SERVFAIL' },
      'garbage.test': { malformed: 'garbage' },
      'liar.test': { malformed: 'wrong_question', records: { A: [{ data: '192.0.2.1' }] } },
      'silent.test': { silent: true },
      'slow.test': { delayMs: 150, a: [{ address: '192.0.2.7', ttlS: 60 }] },
    });
  });
  after(async () => {
    await clients.close();
    await server.close();
  });

  function checkDns(input: Omit<DnsCheckInput, 'kind' | 'server' | 'port'>, using: Clients = clients): Promise<CheckResult> {
    return executeCheck(defineDnsCheck({ kind: 'dns', server: server.host, port: server.port, ...input }), using);
  }

  it('A: up, dnsMs and totalMs only, the answer in detail, an RFC 4501 target', async () => {
    const result = await checkDns({ name: 'www.test', answerContains: ['192.0.2.10'] });
    assertUp(result, null, DNS_ONLY);
    assert.equal(result.kind, 'dns');
    assert.equal(result.target, `dns://127.0.0.1:${server.port}/www.test?type=A`);
    assert.equal(result.detail, 'NOERROR A ["192.0.2.10", "192.0.2.11"]');
  });

  it('answerEquals is order-insensitive; one missing or extra value fails with both sides named', async () => {
    assert.equal((await checkDns({ name: 'www.test', answerEquals: ['192.0.2.11', '192.0.2.10'] })).status, 'up');
    const extra = await checkDns({ name: 'www.test', answerEquals: ['192.0.2.10'] });
    assertFailure(extra, { status: 'down', errorKind: 'dns_unexpected_answer', errorPhase: 'dns', phases: DNS_ONLY });
    assert.equal(extra.detail, 'A answer ["192.0.2.10", "192.0.2.11"] is not exactly ["192.0.2.10"]');
    const missing = await checkDns({ name: 'www.test', answerContains: ['192.0.2.99'] });
    assert.equal(missing.errorKind, 'dns_unexpected_answer');
    assert.match(missing.detail ?? '', /lacks \["192\.0\.2\.99"\]/);
  });

  it('every record type in its text form; expected names may carry capitals and a trailing dot', async () => {
    const cases: Array<[DnsCheckInput['recordType'], string, string[]]> = [
      ['AAAA', 'www.test', ['2001:DB8:0::0001']],
      ['MX', 'mail.test', ['10 MX1.mail.test.', '20 mx2.mail.test']],
      ['TXT', 'mail.test', ['v=spf1 -all']],
      ['CAA', 'mail.test', ['0 issue letsencrypt.org']],
      ['NS', 'mail.test', ['ns1.test.']],
      ['SOA', 'mail.test', ['ns1.test hostmaster.test 2026120301 3600 600 86400 60']],
      ['CNAME', 'alias.test', ['www.test']],
      ['SRV', '_imaps._tcp.mail.test', ['0 5 993 mail.test']],
    ];
    for (const [recordType, name, answerEquals] of cases) {
      const result = await checkDns({ name, recordType, answerEquals });
      assert.equal(result.status, 'up', `${recordType}: ${JSON.stringify(result)}`);
    }
  });

  it('a truncated UDP answer is asked again over TCP', async () => {
    const before = server.tcpQueries();
    const result = await checkDns({ name: 'big.test', recordType: 'TXT' });
    assertUp(result, null, DNS_ONLY);
    assert.equal(server.tcpQueries(), before + 1);
    assert.match(result.detail ?? '', /^NOERROR TXT \["0x{199}…", .*"7x{199}…"\] \(over TCP: the UDP answer was truncated\)$/);
  });

  it('rcode: NXDOMAIN and SERVFAIL are dns_unexpected_rcode unless expected', async () => {
    const nx = await checkDns({ name: 'nowhere.test' });
    assertFailure(nx, { status: 'down', errorKind: 'dns_unexpected_rcode', errorPhase: 'dns', phases: DNS_ONLY });
    assert.equal(nx.detail, 'rcode NXDOMAIN, expected NOERROR');
    assert.equal((await checkDns({ name: 'nowhere.test', expectRcode: 'NXDOMAIN' })).status, 'up');
    const servfail = await checkDns({ name: 'broken.test', expectRcode: ['NOERROR', 'NXDOMAIN'] });
    assert.equal(servfail.detail, 'rcode SERVFAIL, expected NOERROR or NXDOMAIN');
  });

  it('NOERROR without records of the type: dns_no_record', async () => {
    const result = await checkDns({ name: 'www.test', recordType: 'MX' });
    assertFailure(result, { status: 'down', errorKind: 'dns_no_record', errorPhase: 'dns', phases: DNS_ONLY });
  });

  it('an answer with our id that does not parse, or answers another question: dns_invalid_response (transport)', async () => {
    const garbage = await checkDns({ name: 'garbage.test' });
    assertFailure(garbage, { status: 'down', errorKind: 'dns_invalid_response', errorPhase: 'dns', phases: NOTHING });
    const liar = await checkDns({ name: 'liar.test' });
    assert.equal(liar.errorKind, 'dns_invalid_response');
    assert.match(liar.detail ?? '', /is about other\.liar\.test A, not liar\.test A/);
  });

  it('a silent server: dns_failed when the budget runs out, on time', async () => {
    const result = await checkDns({ name: 'silent.test', timeoutMs: 200 });
    assertFailure(result, { status: 'down', errorKind: 'dns_failed', errorPhase: 'dns', phases: NOTHING });
    assert.ok(result.timings.totalMs >= 190 && result.timings.totalMs < 1000, `totalMs ${result.timings.totalMs}`);
  });

  it('degradedAfterMs: a slow answer is degraded slow_response', async () => {
    const result = await checkDns({ name: 'slow.test', degradedAfterMs: 50 });
    assertFailure(result, { status: 'degraded', errorKind: 'slow_response', errorPhase: 'dns', phases: DNS_ONLY });
    assert.ok((result.timings.dnsMs ?? 0) >= 140, `dnsMs ${result.timings.dnsMs}`);
  });

  it('the SSRF guard judges the server: loopback refused without allowPrivateTargets, nothing sent', async () => {
    const guarded = buildClients();
    try {
      const before = server.queryCount('www.test');
      const result = await checkDns({ name: 'www.test' }, guarded);
      assertFailure(result, { status: 'down', errorKind: 'address_not_allowed', errorPhase: 'dns', phases: NOTHING });
      assert.equal(server.queryCount('www.test'), before);
    } finally {
      await guarded.close();
    }
  });

  it('bad definitions are SpecErrors naming the field', () => {
    const bad: Array<[Partial<DnsCheckInput>, RegExp]> = [
      [{ name: 'a..b' }, / name: expected a DNS name/],
      [{ name: 'x'.repeat(64) + '.test' }, / name: expected a DNS name/],
      [{ name: 'ok.test', recordType: 'PTR' as never }, / recordType: expected one of A, AAAA, CNAME, MX, TXT, NS, SOA, CAA, SRV, got "PTR"/],
      [{ name: 'ok.test', server: 'dns.google' }, / server: expected the DNS server's IP address/],
      [{ name: 'ok.test', expectRcode: 'NOPE' as never }, / expectRcode: expected one of NOERROR/],
      [{ name: 'ok.test', answerContains: [''] }, / answerContains\[0\]: expected a record value/],
      [{ name: 'ok.test', port: 0 }, / port: expected an integer from 1 to 65535/],
    ];
    for (const [input, message] of bad) assert.throws(() => defineDnsCheck({ kind: 'dns', name: 'x', ...input } as DnsCheckInput), message, JSON.stringify(input));
    assert.equal(defineDnsCheck({ kind: 'dns', name: 'Example.COM.' }).name, 'example.com');
    assert.deepEqual(defineDnsCheck({ kind: 'dns', name: 'x.test', expectRcode: 'nxdomain' as never }).expectRcode, ['NXDOMAIN']);
  });
});
