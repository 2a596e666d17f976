import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { executeCheck, type Clients } from '../../src/check/index.js';
import { defineCheck, defineDnsCheck, defineTcpCheck, defineTlsCheck, SpecError, type CheckInput } from '../../src/domain/check-spec.js';
import { assertFailure } from '../helpers/check-assertions.js';
import { loopbackClients, withServer } from '../helpers/check-runner.js';
import { fixtureCert } from '../helpers/certs.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import * as raw from '../helpers/servers/raw-catalog.js';
import { startPlainTlsServer } from '../helpers/servers/starttls-server.js';
import { startDnsServer, type DnsTestServer } from '../helpers/servers/dns-server.js';

// Conditions on tcp, tls and dns checks (the placeholders that mean something for each kind),
// against real servers on 127.0.0.1:0. The fixture certificates expire in 2080 (chain) / 2100.

describe('conditions on tcp, tls and dns checks', () => {
  let clients: Clients;
  let dns: DnsTestServer;
  before(async () => {
    clients = loopbackClients();
    dns = await startDnsServer({
      'www.test': { a: [{ address: '192.0.2.10', ttlS: 60 }, { address: '192.0.2.11', ttlS: 60 }] },
      'one.test': { a: [{ address: '192.0.2.7', ttlS: 60 }] },
      'broken.test': { rcode: 'SERVFAIL' },
    });
  });
  after(async () => {
    await clients.close();
    await dns.close();
  });

  it('tcp: [CONNECTED] == true and [RESPONSE_TIME] hold on an open port; a failing one is condition_failed naming it and the value', async () => {
    await withServer(startFixedResponse(200, 'ok'), async (server) => {
      const ok = await executeCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: server.port, conditions: ['[CONNECTED] == true', '[RESPONSE_TIME] < 10s'] }), clients);
      assert.equal(ok.status, 'up', JSON.stringify(ok));
      const closedExpected = await executeCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: server.port, conditions: ['[CONNECTED] == false'] }), clients);
      assert.deepEqual([closedExpected.status, closedExpected.errorKind, closedExpected.errorFamily, closedExpected.detail], ['down', 'condition_failed', 'verdict', 'condition "[CONNECTED] == false" failed: [CONNECTED] is true']);
      const fast = await executeCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: server.port, conditions: ['[RESPONSE_TIME] < 0'] }), clients);
      assert.equal(fast.errorKind, 'condition_failed');
      assert.match(fast.detail ?? '', /^condition "\[RESPONSE_TIME\] < 0" failed: \[RESPONSE_TIME\] is \d+$/);
    });
  });

  it('tcp: a port that must stay closed ([CONNECTED] == false) is up when refused; without the condition a refusal stays a failure', async () => {
    const port = (await raw.startRefusedPort()).port;
    const closed = await executeCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port, conditions: ['[CONNECTED] == false'] }), clients);
    assert.deepEqual([closed.status, closed.errorKind], ['up', null]);
    assert.match(closed.detail ?? '', /^not connected, as the conditions expect: /);
    const mustConnect = await executeCheck(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port, conditions: ['[CONNECTED] == true'] }), clients);
    assertFailure(mustConnect, { status: 'down', errorKind: 'connection_refused', errorPhase: 'connect', phases: { dns: false, connect: false, tls: false, ttfb: false, receive: false } });
  });

  it('tls: [CERTIFICATE_EXPIRATION] judges the chain\'s earliest expiry; [CONNECTED] == false accepts a port without TLS', async () => {
    await withServer(startPlainTlsServer(fixtureCert('chained')), async (server) => {
      const ok = await executeCheck(defineTlsCheck({ kind: 'tls', host: '127.0.0.1', port: server.port, servername: 'localhost', conditions: ['[CONNECTED] == true', '[CERTIFICATE_EXPIRATION] > 48h'] }), clients);
      assert.equal(ok.status, 'up', JSON.stringify(ok));
      // the intermediate expires in 2080: far less than 100 years (36,500 days) away
      const tooSoon = await executeCheck(defineTlsCheck({ kind: 'tls', host: '127.0.0.1', port: server.port, servername: 'localhost', conditions: ['[CERTIFICATE_EXPIRATION] > 36500d'] }), clients);
      assert.deepEqual([tooSoon.status, tooSoon.errorKind], ['down', 'condition_failed']);
      assert.match(tooSoon.detail ?? '', /^condition "\[CERTIFICATE_EXPIRATION\] > 36500d" failed: \[CERTIFICATE_EXPIRATION\] is \d+$/);
      assert.notEqual(tooSoon.tls, null, 'the chain is still reported');
    });
    await withServer(startFixedResponse(200, 'plain http, no TLS'), async (server) => {
      const noTls = await executeCheck(defineTlsCheck({ kind: 'tls', host: '127.0.0.1', port: server.port, conditions: ['[CONNECTED] == false'] }), clients);
      assert.equal(noTls.status, 'up', JSON.stringify(noTls));
      assert.match(noTls.detail ?? '', /^no TLS session, as the conditions expect: /);
    });
  });

  it('dns: [DNS_RCODE] and [BODY] (the answer values joined with ", ") as Gatus writes them', async () => {
    const check = (name: string, conditions: string[]) => executeCheck(defineDnsCheck({ kind: 'dns', name, server: dns.host, port: dns.port, conditions }), clients);
    assert.equal((await check('one.test', ['[DNS_RCODE] == NOERROR', '[BODY] == 192.0.2.7'])).status, 'up');
    assert.equal((await check('www.test', ['[BODY] == pat(*192.0.2.11*)', 'len([BODY]) > 0', '[RESPONSE_TIME] < 10s'])).status, 'up');
    const wrong = await check('www.test', ['[BODY] == 192.0.2.10']);
    assert.deepEqual([wrong.status, wrong.errorKind, wrong.detail], ['down', 'condition_failed', 'condition "[BODY] == 192.0.2.10" failed: [BODY] is "192.0.2.10, 192.0.2.11"']);
    // a condition on [DNS_RCODE] is the rcode assertion: SERVFAIL reaches it instead of the default NOERROR
    const servfail = await check('broken.test', ['[DNS_RCODE] == NOERROR']);
    assert.deepEqual([servfail.errorKind, servfail.detail], ['condition_failed', 'condition "[DNS_RCODE] == NOERROR" failed: [DNS_RCODE] is "SERVFAIL"']);
    assert.equal((await check('broken.test', ['[DNS_RCODE] == any(SERVFAIL, REFUSED)'])).status, 'up');
  });

  it('refuses a placeholder that does not apply to the kind, naming the condition and the position', () => {
    const cases: Array<[CheckInput, RegExp]> = [
      [{ kind: 'tcp', host: 'db', port: 5432, conditions: ['[STATUS] == 200'] }, /^conditions\[0\]: expected a placeholder of a tcp check \(\[CONNECTED\], \[RESPONSE_TIME\]\), not \[STATUS\] at position 0/],
      [{ kind: 'tcp', host: 'db', port: 5432, conditions: ['[CONNECTED] == true', '[CERTIFICATE_EXPIRATION] > 1d'] }, /^conditions\[1\]: expected a placeholder of a tcp check/],
      [{ kind: 'tls', host: 'db', port: 443, conditions: ['[BODY].status == UP'] }, /^conditions\[0\]: expected a placeholder of a tls check \(\[CONNECTED\], \[RESPONSE_TIME\], \[CERTIFICATE_EXPIRATION\]\), not \[BODY\]/],
      [{ kind: 'dns', name: 'example.com', conditions: ['[HEADER].server == x'] }, /^conditions\[0\]: expected .*a placeholder of a dns check|^conditions\[0\]: expected a header name/],
      [{ kind: 'dns', name: 'example.com', conditions: ['[CONNECTED] == true'] }, /^conditions\[0\]: expected a placeholder of a dns check \(\[DNS_RCODE\], \[BODY\], \[RESPONSE_TIME\]\), not \[CONNECTED\]/],
      [{ kind: 'dns', name: 'example.com', conditions: ['[BODY].ip == 1.2.3.4'] }, /^conditions\[0\]: expected the answer text as a whole in a dns check/],
      [{ kind: 'dns', name: 'example.com', conditions: ['has([BODY]) == true'] }, /^conditions\[0\]: expected the answer text as a whole/],
      [{ kind: 'http', url: 'http://x.test/', conditions: ['[DNS_RCODE] == NOERROR'] }, /^conditions\[0\]: expected a placeholder of a http check/],
      [{ kind: 'http', url: 'http://x.test/', conditions: ['[CONNECTED] == true'] }, /^conditions\[0\]: expected a placeholder of a http check/],
      [{ kind: 'tcp', host: 'db', port: 5432, conditions: ['[CONNECTED] < 1'] }, /^conditions\[0\]: expected == or != with \[CONNECTED\] \(true or false\) at position 12/],
      [{ kind: 'tcp', host: 'db', port: 5432, conditions: 'not a list' as unknown as string[] }, /^conditions: expected a list/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => defineCheck(input), (err: unknown) => err instanceof SpecError && message.test(err.message), JSON.stringify(input));
    }
  });
});
